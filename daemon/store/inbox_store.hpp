#pragma once
// The citizens' inbox: conversations opened by what citizens write (and by "Ho bisogno di
// aiuto" under an alert), assigned to a person or a role, answered by an operator. Every
// step is audited with the citizen's pseudonym and a digest of the text, never the number
// or the words: the log is kept for years, the conversation only as long as retention says.
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "daemon/privacy/pseudonyms.hpp"
#include "daemon/store/database.hpp"

namespace araldo::store {

// What arrived, inside the inbound worker's transaction.
struct InboxArrival {
  std::string channel;
  std::string address;
  std::string kind;  // text, need_help
  std::string text;
  long long at = 0;  // Unix seconds, by the platform; 0: now
  std::string message_id;
  std::optional<std::string> alert_id;  // need_help: the alert answered
  long long inbound_item = 0;
};
// "inbox_opened" (a new conversation) or "inbox_added".
std::string receive_in_inbox(pqxx::work& tx, const InboxArrival& a,
                             const privacy::Pseudonyms& pseudonyms);

struct InboxMessage {
  long long id = 0;
  std::string direction;  // in, out
  std::string kind;       // text, need_help, free_form, template
  std::string text;
  std::string at;
  std::optional<std::string> alert_id;
  std::optional<std::string> author;
  std::optional<std::string> outcome;
};

struct Conversation {
  long long id = 0;
  std::string channel;
  std::string citizen;  // pseudonym
  std::string state;    // new, assigned, answered
  std::optional<std::string> assignee;
  std::string opened_at, updated_at, last_citizen_at;
  long long messages = 0;
  std::string last_text;                   // the latest message, for the list
  std::vector<InboxMessage> history = {};  // filled by find_conversation
};

// Newest first; `state` empty: every state.
std::vector<Conversation> list_conversations(Database& db, const std::string& state, int limit,
                                             const privacy::Pseudonyms& pseudonyms);
std::optional<Conversation> find_conversation(Database& db, long long id,
                                              const privacy::Pseudonyms& pseudonyms);

// False: no such conversation. Audited as inbox.assigned.
bool assign_conversation(Database& db, long long id, const std::string& assignee,
                         const std::string& actor, const privacy::Pseudonyms& pseudonyms);

// Where a reply goes.
struct ReplyTarget {
  std::string channel;
  std::string address;
  long long last_citizen_at = 0;  // Unix seconds
  std::string last_message_id;
};
std::optional<ReplyTarget> reply_target(Database& db, long long id);

struct SentReply {
  std::string via;  // free_form, template
  std::string text;
  std::string author;
  std::string outcome;  // delivered, or the failure's kind
  std::string detail;   // the platform's id, or why it failed
};
// Records the reply (answered when delivered) and audits it as inbox.replied; the id of
// the stored message.
long long record_reply(Database& db, long long id, const ReplyTarget& to, const SentReply& reply,
                       const privacy::Pseudonyms& pseudonyms);

}  // namespace araldo::store
