#include "daemon/store/inbox_store.hpp"

#include <boost/json.hpp>

#include "daemon/store/audit_writer.hpp"
#include "daemon/store/consent.hpp"
#include "daemon/store/pq.hpp"
#include "daemon/text/digest.hpp"

namespace araldo::store {

std::string receive_in_inbox(pqxx::work& tx, const InboxArrival& a,
                             const privacy::Pseudonyms& pseudonyms) {
  // A new message puts the conversation back among those awaiting an answer; a message
  // that arrives late (platforms reorder) does not move the window back.
  const auto r = tx.exec_params1(
      "WITH c AS (INSERT INTO conversations (channel, address, last_citizen_at, last_message_id)"
      "   VALUES ($1, $2, coalesce(to_timestamp(nullif($3, 0)), now()), nullif($4, ''))"
      "   ON CONFLICT (channel, address) DO UPDATE SET"
      "     state = CASE WHEN conversations.assignee IS NULL THEN 'new' ELSE 'assigned' END,"
      "     updated_at = now(),"
      "     last_citizen_at = greatest(conversations.last_citizen_at,"
      "                                EXCLUDED.last_citizen_at),"
      "     last_message_id = CASE WHEN EXCLUDED.last_citizen_at >= conversations.last_citizen_at"
      "       THEN coalesce(EXCLUDED.last_message_id, conversations.last_message_id)"
      "       ELSE conversations.last_message_id END"
      "   RETURNING id, xmax = 0 AS opened),"
      " m AS (INSERT INTO conversation_messages (conversation_id, direction, kind, body, at,"
      "         alert_id, platform_id, inbound_item)"
      "   SELECT id, 'in', $5, $6, coalesce(to_timestamp(nullif($3, 0)), now()), $7::uuid,"
      "          nullif($4, ''), $8 FROM c RETURNING id)"
      " SELECT c.id, c.opened, (SELECT id FROM m) FROM c",
      a.channel, a.address, a.at, a.message_id, a.kind, a.text, a.alert_id, a.inbound_item);
  const bool opened = r[1].as<bool>();
  boost::json::object detail{{"conversation", r[0].as<long long>()},
                             {"channel", a.channel},
                             {"citizen", pseudonym_for_audit(tx, a.address, pseudonyms)},
                             {"kind", a.kind},
                             {"opened", opened},
                             {"text_sha256", text::sha256_hex(a.text)},
                             {"inbound_item", a.inbound_item}};
  append_audit_event(tx, {"citizen", "inbox.received", a.alert_id, std::nullopt, detail});
  return opened ? "inbox_opened" : "inbox_added";
}

namespace {

const std::string conversation_columns =
    "c.id, c.channel, c.address, c.state, c.assignee, to_json(c.opened_at)#>>'{}',"
    " to_json(c.updated_at)#>>'{}', to_json(c.last_citizen_at)#>>'{}',"
    " (SELECT count(*) FROM conversation_messages m WHERE m.conversation_id = c.id),"
    " (SELECT body FROM conversation_messages m WHERE m.conversation_id = c.id"
    "   ORDER BY id DESC LIMIT 1)";

Conversation conversation_of(const pqxx::row& r, const privacy::Pseudonyms& pseudonyms) {
  Conversation c;
  c.id = r[0].as<long long>();
  c.channel = r[1].as<std::string>();
  c.citizen = pseudonyms.of(r[2].as<std::string>());
  c.state = r[3].as<std::string>();
  c.assignee = text_or_null(r[4]);
  c.opened_at = r[5].as<std::string>();
  c.updated_at = r[6].as<std::string>();
  c.last_citizen_at = r[7].as<std::string>();
  c.messages = r[8].as<long long>();
  c.last_text = r[9].is_null() ? "" : r[9].as<std::string>();
  return c;
}

}  // namespace

std::vector<Conversation> list_conversations(Database& db, const std::string& state, int limit,
                                             const privacy::Pseudonyms& pseudonyms) {
  return db.with_connection([&](pqxx::connection& conn) {
    pqxx::read_transaction tx(conn);
    std::vector<Conversation> out;
    for (const auto& r : tx.exec_params("SELECT " + conversation_columns +
                                            " FROM conversations c"
                                            " WHERE ($1 = '' OR c.state = $1)"
                                            " ORDER BY c.updated_at DESC, c.id DESC LIMIT $2",
                                        state, limit)) {
      out.push_back(conversation_of(r, pseudonyms));
    }
    return out;
  });
}

std::optional<Conversation> find_conversation(Database& db, long long id,
                                              const privacy::Pseudonyms& pseudonyms) {
  return db.with_connection([&](pqxx::connection& conn) -> std::optional<Conversation> {
    pqxx::read_transaction tx(conn);
    const auto r = tx.exec_params(
        "SELECT " + conversation_columns + " FROM conversations c WHERE c.id = $1", id);
    if (r.empty()) return std::nullopt;
    auto c = conversation_of(r[0], pseudonyms);
    for (const auto& m : tx.exec_params(
             "SELECT id, direction, kind, body, to_json(at)#>>'{}', alert_id::text, author,"
             "       outcome FROM conversation_messages WHERE conversation_id = $1 ORDER BY id",
             id)) {
      c.history.push_back({m[0].as<long long>(), m[1].as<std::string>(), m[2].as<std::string>(),
                           m[3].as<std::string>(), m[4].as<std::string>(), text_or_null(m[5]),
                           text_or_null(m[6]), text_or_null(m[7])});
    }
    return c;
  });
}

bool assign_conversation(Database& db, long long id, const std::string& assignee,
                         const std::string& actor, const privacy::Pseudonyms& pseudonyms) {
  return db.with_connection([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    // Still awaiting an answer: now assigned. Answered: stays answered, with its owner.
    const auto r = tx.exec_params(
        "UPDATE conversations c SET assignee = $2, updated_at = now(),"
        "   state = CASE WHEN c.state = 'answered' THEN 'answered' ELSE 'assigned' END"
        "  FROM conversations old WHERE old.id = c.id AND c.id = $1"
        " RETURNING c.channel, c.address, old.assignee",
        id, assignee);
    if (r.empty()) return false;
    append_audit_event(
        tx, {actor,
             "inbox.assigned",
             std::nullopt,
             std::nullopt,
             {{"conversation", id},
              {"channel", r[0][0].as<std::string>()},
              {"citizen", pseudonym_for_audit(tx, r[0][1].as<std::string>(), pseudonyms)},
              {"assignee", assignee},
              {"previous", r[0][2].is_null() ? boost::json::value(nullptr)
                                             : boost::json::value(r[0][2].as<std::string>())}}});
    tx.commit();
    return true;
  });
}

std::optional<ReplyTarget> reply_target(Database& db, long long id) {
  return db.with_connection([&](pqxx::connection& conn) -> std::optional<ReplyTarget> {
    pqxx::read_transaction tx(conn);
    const auto r = tx.exec_params(
        "SELECT channel, address, extract(epoch FROM last_citizen_at)::bigint,"
        "       coalesce(last_message_id, '') FROM conversations WHERE id = $1",
        id);
    if (r.empty()) return std::nullopt;
    return ReplyTarget{r[0][0].as<std::string>(), r[0][1].as<std::string>(),
                       r[0][2].as<long long>(), r[0][3].as<std::string>()};
  });
}

long long record_reply(Database& db, long long id, const ReplyTarget& to, const SentReply& reply,
                       const privacy::Pseudonyms& pseudonyms) {
  return db.with_connection([&](pqxx::connection& conn) {
    pqxx::work tx(conn);
    const bool delivered = reply.outcome == "delivered";
    const auto message_id =
        tx.exec_params1(
              "WITH m AS (INSERT INTO conversation_messages (conversation_id, direction, kind,"
              "             body, author, outcome, platform_id)"
              "   VALUES ($1, 'out', $2, $3, $4, $5, CASE WHEN $6 THEN $7 END) RETURNING id),"
              " c AS (UPDATE conversations SET updated_at = now(),"
              "         state = CASE WHEN $6 THEN 'answered' ELSE state END"
              "       WHERE id = $1)"
              " SELECT id FROM m",
              id, reply.via, reply.text, reply.author,
              delivered ? reply.outcome : reply.outcome + ": " + reply.detail, delivered,
              reply.detail)[0]
            .as<long long>();
    const auto citizen = pseudonym_for_audit(tx, to.address, pseudonyms);
    append_audit_event(tx, {reply.author,
                            "inbox.replied",
                            std::nullopt,
                            std::nullopt,
                            {{"conversation", id},
                             {"message", message_id},
                             {"channel", to.channel},
                             {"citizen", citizen},
                             {"via", reply.via},
                             {"outcome", reply.outcome},
                             // A refusal may quote the number: the pseudonym instead.
                             {"detail", with_pseudonym(reply.detail, to.address, citizen)},
                             {"text_sha256", text::sha256_hex(reply.text)}}});
    tx.commit();
    return message_id;
  });
}

}  // namespace araldo::store
