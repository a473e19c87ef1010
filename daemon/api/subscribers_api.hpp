#pragma once
// Subscribers of a subscription channel (WhatsApp):
//   GET    /v1/channels/{channel}/subscribers            how many, by language
//   POST   /v1/channels/{channel}/subscribers            add one (JSON), or update it
//   POST   /v1/channels/{channel}/subscribers/import     add or update many (text/csv)
//   DELETE /v1/channels/{channel}/subscribers/{address}  remove one
//   POST   /v1/channels/{channel}/subscribers/{address}/erase  erase the number (art. 17)
//   GET    /v1/pseudonyms/{pseudonym}                     the number behind one (audited)
// An address that opted out is refused unless it brings a later consent (store/consent).
#include "channels/registry.hpp"
#include "daemon/api/route_table.hpp"
#include "daemon/privacy/pseudonyms.hpp"
#include "daemon/store/database.hpp"

namespace araldo::api {

class SubscribersApi {
 public:
  SubscribersApi(store::Database& db, const channels::ChannelSet& channels,
                 const privacy::Pseudonyms& pseudonyms);

  // {channel}, and {address} for remove.
  http::Response count(const Call& call) const;
  http::Response add(const Call& call) const;
  http::Response import(const Call& call) const;
  http::Response remove(const Call& call) const;
  http::Response erase(const Call& call) const;
  http::Response resolve(const Call& call) const;  // {pseudonym}

  static constexpr std::size_t max_import_rows = 500'000;

 private:
  http::Response import_csv(const Call& call) const;

  store::Database& db_;
  const channels::ChannelSet& channels_;
  const privacy::Pseudonyms& pseudonyms_;
};

}  // namespace araldo::api
