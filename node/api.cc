#include "node/api.h"

#include <string>
#include <string_view>

#include "node/receipt.h"
#include "node/sync_client.h"
#include "node/web_assets.h"
#include "schema/ids.h"
#include "schema/json_util.h"
#include "schema/time.h"

namespace hoso::node {

namespace {

// POST /api/dossiers/{code}/attachments: the one route whose body is a file.
bool IsAttachmentUpload(const HttpRequest& r) {
  constexpr std::string_view kPrefix = "/api/dossiers/";
  constexpr std::string_view kSuffix = "/attachments";
  const std::string_view p = r.path;
  return r.method == "POST" && p.size() > kPrefix.size() + kSuffix.size() &&
         p.starts_with(kPrefix) && p.ends_with(kSuffix);
}

HttpResponse Html(std::string body) {
  HttpResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

std::string Lang(const HttpRequest& req) {
  auto it = req.query.find("lang");
  return (it != req.query.end() && it->second == "en") ? "en" : "vi";
}

Result<json::object> Body(const HttpRequest& req) {
  if (req.body.empty()) return Status::InvalidArgument("request body is empty; expected JSON");
  auto o = ParseJsonObject(req.body);
  if (!o.ok()) return Status(Status::Code::kInvalidArgument, o.status().message(), "");
  return o;
}

// A body parse failure is "bad_request"; a field error is "invalid_argument".
HttpResponse BodyError(const Status& s) {
  return ErrorResponse(400, "bad_request", s.message());
}

json::array MissingToJson(const std::vector<MissingDocument>& missing) {
  json::array a;
  for (const auto& m : missing) {
    a.push_back(json::object{{"id", m.id},
                             {"name_vi", m.name_vi},
                             {"name_en", m.name_en},
                             {"form", m.form},
                             {"count_required", m.count_required},
                             {"count_received", m.count_received}});
  }
  return a;
}

json::object IntakeAnswer(const Dossier& d) {
  json::object o = Desk::DossierToJson(d);
  o["receipt_url"] = "/dossiers/" + d.code + "/receipt";
  return o;
}

Result<int64_t> ParseId(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument("ticket id must be a positive integer", "id");
  }
  return std::stoll(s);
}

std::string StringOr(const json::object& o, const char* key, const std::string& fallback = "") {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return fallback;
  return std::string(it->value().get_string());
}

}  // namespace

HttpResponse DeskErrorResponse(const Status& s) {
  const std::string& m = s.message();
  if (s.IsNotFound() && m.rfind("unknown procedure", 0) == 0) {
    return ErrorResponse(404, "unknown_procedure", m, s.field().empty() ? "procedure_id" : s.field());
  }
  if (s.IsConflict() && m.find("not in force") != std::string::npos) {
    return ErrorResponse(409, "procedure_not_in_force", m,
                         s.field().empty() ? "procedure_id" : s.field());
  }
  if (s.code() == Status::Code::kResourceExhausted) {
    return ErrorResponse(429, "resource_exhausted", m, s.field());
  }
  return ErrorResponse(s);
}

DeskApi::DeskApi(NodeStore* store, Desk* desk, NodeAttachments* attachments)
    : store_(store), desk_(desk), attachments_(attachments) {
  if (attachments_ == nullptr) {
    owned_attachments_ = std::make_unique<NodeAttachments>(store_, NodeAttachments::Options{});
    attachments_ = owned_attachments_.get();
  }
  courier_ = std::make_unique<Courier>(store_, Courier::Options{});
  collections_ = std::make_unique<Collections>(store_, SystemClock());
  AddRoutes();
  AddAttachmentRoutes();
  AddCourierRoutes();
  AddCollectionRoutes();
}

HttpResponse DeskApi::Handle(const HttpRequest& request) const {
  // The server admits files; everything but the upload route is JSON.
  if (request.body.size() > kMaxJsonBodyBytes && !IsAttachmentUpload(request) &&
      !IsCourierDelivery(request)) {
    return ErrorResponse(413, "body_too_large",
                         "the body of " + std::to_string(request.body.size()) +
                             " bytes is over the limit of " + std::to_string(kMaxJsonBodyBytes) +
                             " bytes for this route");
  }
  return router_.Handle(request);
}

void DeskApi::AddRoutes() {
  Router& r = router_;
  NodeStore* store = store_;
  Desk* desk = desk_;

  r.Add("GET", "/healthz", [](const HttpRequest&, const PathParams&) {
    return JsonResponse(200, json::object{{"ok", true}});
  });

  r.Add("GET", "/api/node", [store](const HttpRequest&, const PathParams&) {
    const NodeIdentity& id = store->identity();
    json::object o{{"node_id", id.node_id},   {"name", id.name},
                   {"unit_code", id.unit_code}, {"role", id.role},
                   {"province", id.province},  {"catalog_version", store->catalog().version()},
                   {"calendar_version", store->calendar_data().version},
                   {"tariff_version", store->tariff().version()}};
    return JsonResponse(200, o);
  });

  // Read on the desk's own connection; the background sync thread records
  // its progress in node_settings.
  r.Add("GET", "/api/sync/status", [store](const HttpRequest&, const PathParams&) {
    auto status = SyncStatusJson(*store);
    if (!status.ok()) return ErrorResponse(status.status());
    return JsonResponse(200, *status);
  });

  r.Add("GET", "/api/catalog", [store](const HttpRequest& req, const PathParams&) {
    Date on = LocalDateOf(SystemClock()->NowMs());
    if (auto it = req.query.find("at"); it != req.query.end()) {
      auto d = ParseDate(it->second);
      if (!d.ok()) return ErrorResponse(Status::InvalidArgument(d.status().message(), "at"));
      on = *d;
    }
    json::array procs;
    for (const Procedure* p : store->catalog().InForce(on)) procs.push_back(ProcedureToJson(*p));
    return JsonResponse(200, json::object{{"catalog_version", store->catalog().version()},
                                          {"on", FormatDate(on)},
                                          {"procedures", std::move(procs)}});
  });

  r.Add("GET", "/api/catalog/{id}", [store](const HttpRequest& req, const PathParams& p) {
    Date on = LocalDateOf(SystemClock()->NowMs());
    if (auto it = req.query.find("at"); it != req.query.end()) {
      auto d = ParseDate(it->second);
      if (!d.ok()) return ErrorResponse(Status::InvalidArgument(d.status().message(), "at"));
      on = *d;
    }
    auto proc = store->catalog().Find(p.at("id"), on);
    if (!proc.ok()) return DeskErrorResponse(proc.status());
    return JsonResponse(200, ProcedureToJson(**proc));
  });

  // Queue.
  r.Add("POST", "/api/tickets", [desk](const HttpRequest& req, const PathParams&) {
    auto body = Body(req);
    if (!body.ok()) return BodyError(body.status());
    auto group = GetString(*body, "counter_group");
    if (!group.ok()) return ErrorResponse(group.status());
    auto t = desk->IssueTicket(*group);
    if (!t.ok()) return DeskErrorResponse(t.status());
    return JsonResponse(201, Desk::TicketToJson(*t));
  });
  r.Add("GET", "/api/queue", [desk](const HttpRequest& req, const PathParams&) {
    Date day = LocalDateOf(SystemClock()->NowMs());
    if (auto it = req.query.find("day"); it != req.query.end()) {
      auto d = ParseDate(it->second);
      if (!d.ok()) return ErrorResponse(Status::InvalidArgument(d.status().message(), "day"));
      day = *d;
    }
    auto tickets = desk->TicketsOfDay(day);
    if (!tickets.ok()) return DeskErrorResponse(tickets.status());
    json::array a;
    for (const Ticket& t : *tickets) a.push_back(Desk::TicketToJson(t));
    return JsonResponse(200, json::object{{"day", FormatDate(day)}, {"tickets", std::move(a)}});
  });
  r.Add("GET", "/api/queue/display", [desk](const HttpRequest&, const PathParams&) {
    auto tickets = desk->TicketsOfDay(LocalDateOf(SystemClock()->NowMs()));
    if (!tickets.ok()) return DeskErrorResponse(tickets.status());
    // The latest called ticket at each counter, and the next waiting ones.
    std::map<std::string, const Ticket*> serving;
    json::array waiting;
    for (const Ticket& t : *tickets) {
      if (t.state == "called") {
        const Ticket*& cur = serving[t.counter];
        if (cur == nullptr || t.called_at.value_or(0) >= cur->called_at.value_or(0)) cur = &t;
      } else if (t.state == "waiting" && waiting.size() < 10) {
        waiting.push_back(json::value(t.display));
      }
    }
    json::array counters;
    for (const auto& [counter, t] : serving) {
      counters.push_back(json::object{{"counter", counter}, {"number", t->display},
                                      {"counter_group", t->counter_group}});
    }
    return JsonResponse(200, json::object{{"serving", std::move(counters)},
                                          {"waiting", std::move(waiting)}});
  });
  r.Add("POST", "/api/queue/call-next", [desk](const HttpRequest& req, const PathParams&) {
    auto body = Body(req);
    if (!body.ok()) return BodyError(body.status());
    auto group = GetString(*body, "counter_group");
    if (!group.ok()) return ErrorResponse(group.status());
    auto counter = GetString(*body, "counter");
    if (!counter.ok()) return ErrorResponse(counter.status());
    auto t = desk->CallNext(*group, *counter);
    if (!t.ok()) return DeskErrorResponse(t.status());
    return JsonResponse(200, Desk::TicketToJson(*t));
  });
  r.Add("POST", "/api/tickets/{id}/recall", [desk](const HttpRequest& req, const PathParams& p) {
    auto id = ParseId(p.at("id"));
    if (!id.ok()) return ErrorResponse(id.status());
    auto body = Body(req);
    if (!body.ok()) return BodyError(body.status());
    auto counter = GetString(*body, "counter");
    if (!counter.ok()) return ErrorResponse(counter.status());
    auto t = desk->Recall(*id, *counter);
    if (!t.ok()) return DeskErrorResponse(t.status());
    return JsonResponse(200, Desk::TicketToJson(*t));
  });
  r.Add("POST", "/api/tickets/{id}/skip", [desk](const HttpRequest&, const PathParams& p) {
    auto id = ParseId(p.at("id"));
    if (!id.ok()) return ErrorResponse(id.status());
    auto t = desk->Skip(*id);
    if (!t.ok()) return DeskErrorResponse(t.status());
    return JsonResponse(200, Desk::TicketToJson(*t));
  });
  r.Add("POST", "/api/tickets/{id}/done", [desk](const HttpRequest&, const PathParams& p) {
    auto id = ParseId(p.at("id"));
    if (!id.ok()) return ErrorResponse(id.status());
    auto t = desk->Done(*id);
    if (!t.ok()) return DeskErrorResponse(t.status());
    return JsonResponse(200, Desk::TicketToJson(*t));
  });

  // Dossiers.
  r.Add("POST", "/api/dossiers", [desk](const HttpRequest& req, const PathParams&) {
    auto body = Body(req);
    if (!body.ok()) return BodyError(body.status());
    auto intake = Desk::ParseIntakeRequest(*body);
    if (!intake.ok()) return DeskErrorResponse(intake.status());
    std::vector<MissingDocument> missing;
    auto d = desk->Intake(*intake, &missing);
    if (!d.ok()) {
      if (!missing.empty()) {
        json::object o{{"error", json::object{{"code", "incomplete_dossier"},
                                              {"message", d.status().message()},
                                              {"field", "documents"}}},
                       {"missing", MissingToJson(missing)}};
        return JsonResponse(422, o);
      }
      return DeskErrorResponse(d.status());
    }
    return JsonResponse(201, IntakeAnswer(*d));
  });
  r.Add("POST", "/api/guidance-slip", [desk, store](const HttpRequest& req, const PathParams&) {
    auto body = Body(req);
    if (!body.ok()) return BodyError(body.status());
    auto intake = Desk::ParseIntakeRequest(*body);
    if (!intake.ok()) return DeskErrorResponse(intake.status());
    auto missing = desk->CheckDocuments(*intake);
    if (!missing.ok()) return DeskErrorResponse(missing.status());
    const Date on = LocalDateOf(intake->received_at.value_or(SystemClock()->NowMs()));
    auto proc = store->catalog().Find(intake->procedure_id, on);
    if (!proc.ok()) return DeskErrorResponse(proc.status());
    return Html(GuidanceSlipHtml(*intake, (*proc)->name_vi, (*proc)->code.value_or(""), *missing,
                                 store->identity(), SystemClock()->NowMs(), Lang(req)));
  });
  r.Add("POST", "/api/dossiers/refusals", [desk](const HttpRequest& req, const PathParams&) {
    auto body = Body(req);
    if (!body.ok()) return BodyError(body.status());
    auto intake = Desk::ParseIntakeRequest(*body);
    if (!intake.ok()) return DeskErrorResponse(intake.status());
    auto reason = GetString(*body, "reason");
    if (!reason.ok()) return ErrorResponse(reason.status());
    auto d = desk->RefuseAtIntake(*intake, *reason);
    if (!d.ok()) return DeskErrorResponse(d.status());
    json::object o = Desk::DossierToJson(*d);
    o["refusal_slip_url"] = "/dossiers/" + d->code + "/refusal";
    return JsonResponse(201, o);
  });
  r.Add("GET", "/api/dossiers", [desk](const HttpRequest& req, const PathParams&) {
    SearchQuery q;
    if (auto it = req.query.find("q"); it != req.query.end()) q.text = it->second;
    if (!IsValidUtf8(q.text)) return ErrorResponse(400, "bad_request", "q is not valid UTF-8", "q");
    if (auto it = req.query.find("status"); it != req.query.end() && !it->second.empty()) {
      const std::string& s = it->second;
      if (s.size() > 2 || s.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(s) < 1 || std::stoi(s) > 10) {
        return ErrorResponse(Status::InvalidArgument("status must be 1..10", "status"));
      }
      q.status = std::stoi(s);
    }
    for (const char* key : {"from", "to"}) {
      if (auto it = req.query.find(key); it != req.query.end() && !it->second.empty()) {
        auto d = ParseDate(it->second);
        if (!d.ok()) return ErrorResponse(Status::InvalidArgument(d.status().message(), key));
        (std::string(key) == "from" ? q.from : q.to) = *d;
      }
    }
    if (auto it = req.query.find("limit"); it != req.query.end() && !it->second.empty()) {
      const std::string& s = it->second;
      if (s.size() > 3 || s.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(s) < 1 || std::stoi(s) > 200) {
        return ErrorResponse(Status::InvalidArgument("limit must be 1..200", "limit"));
      }
      q.limit = std::stoi(s);
    }
    auto found = desk->Search(q);
    if (!found.ok()) return DeskErrorResponse(found.status());
    json::array a;
    for (const Dossier& d : *found) a.push_back(Desk::DossierToJson(d));
    return JsonResponse(200, json::object{{"count", a.size()}, {"dossiers", std::move(a)}});
  });
  NodeAttachments* attachments = attachments_;
  r.Add("GET", "/api/dossiers/{code}", [desk, attachments](const HttpRequest&,
                                                           const PathParams& p) {
    auto d = desk->Get(p.at("code"));
    if (!d.ok()) return DeskErrorResponse(d.status());
    json::object o = Desk::DossierToJson(*d);
    auto tl = desk->Timeline(d->code);
    if (!tl.ok()) return DeskErrorResponse(tl.status());
    json::array a;
    for (const TimelineEntry& e : *tl) {
      a.push_back(json::object{{"seq", e.seq},
                               {"type", e.type},
                               {"at", FormatLocalIso(e.at)},
                               {"summary_vi", e.summary_vi},
                               {"summary_en", e.summary_en}});
    }
    o["timeline"] = std::move(a);
    auto files = attachments->OfDossier(d->code);
    if (!files.ok()) return DeskErrorResponse(files.status());
    json::array f;
    for (const AttachmentInfo& info : *files) f.push_back(NodeAttachments::ToJson(info));
    o["attachments"] = std::move(f);
    o["receipt_url"] = "/dossiers/" + d->code + "/receipt";
    return JsonResponse(200, o);
  });
  r.Add("POST", "/api/dossiers/{code}/reveal-id", [desk](const HttpRequest& req,
                                                        const PathParams& p) {
    auto body = Body(req);
    if (!body.ok()) return BodyError(body.status());
    auto viewer = GetString(*body, "viewer");
    if (!viewer.ok()) return ErrorResponse(viewer.status());
    auto reason = GetString(*body, "reason");
    if (!reason.ok()) return ErrorResponse(reason.status());
    auto id = desk->RevealIdNumber(p.at("code"), *viewer, *reason);
    if (!id.ok()) return DeskErrorResponse(id.status());
    return JsonResponse(200, json::object{{"code", p.at("code")}, {"id_number", *id}});
  });
  r.Add("GET", "/api/id-views", [desk](const HttpRequest&, const PathParams&) {
    auto log = desk->IdViewLog(200);
    if (!log.ok()) return DeskErrorResponse(log.status());
    return JsonResponse(200, json::object{{"views", std::move(*log)}});
  });
  r.Add("POST", "/api/dossiers/{code}/result-arrived", [desk](const HttpRequest& req,
                                                             const PathParams& p) {
    auto body = Body(req);
    if (!body.ok()) return BodyError(body.status());
    auto clerk = GetString(*body, "clerk");
    if (!clerk.ok()) return ErrorResponse(clerk.status());
    const std::string outcome = StringOr(*body, "outcome", "approved");
    auto d = desk->ResultArrived(p.at("code"), *clerk, outcome, StringOr(*body, "note"));
    if (!d.ok()) return DeskErrorResponse(d.status());
    return JsonResponse(200, Desk::DossierToJson(*d));
  });
  r.Add("POST", "/api/dossiers/{code}/hand-back", [desk](const HttpRequest& req,
                                                        const PathParams& p) {
    auto body = Body(req);
    if (!body.ok()) return BodyError(body.status());
    HandBack hb;
    auto kind = GetString(*body, "recipient_kind");
    if (!kind.ok()) return ErrorResponse(kind.status());
    auto name = GetString(*body, "recipient_name");
    if (!name.ok()) return ErrorResponse(name.status());
    auto id = GetString(*body, "recipient_id_number");
    if (!id.ok()) return ErrorResponse(id.status());
    auto clerk = GetString(*body, "clerk");
    if (!clerk.ok()) return ErrorResponse(clerk.status());
    hb.recipient_kind = *kind;
    hb.recipient_name = *name;
    hb.authorisation = StringOr(*body, "authorisation");
    hb.clerk = *clerk;
    auto d = desk->HandBackAtDesk(p.at("code"), hb, *id);
    if (!d.ok()) return DeskErrorResponse(d.status());
    return JsonResponse(200, Desk::DossierToJson(*d));
  });

  // Printable documents.
  r.Add("GET", "/dossiers/{code}/receipt", [desk, store](const HttpRequest& req,
                                                        const PathParams& p) {
    auto d = desk->Get(p.at("code"));
    if (!d.ok()) return DeskErrorResponse(d.status());
    return Html(ReceiptHtml(*d, store->identity(), Lang(req)));
  });
  r.Add("GET", "/dossiers/{code}/receipt.txt", [desk, store](const HttpRequest& req,
                                                            const PathParams& p) {
    auto d = desk->Get(p.at("code"));
    if (!d.ok()) return DeskErrorResponse(d.status());
    HttpResponse resp;
    resp.content_type = "text/plain; charset=utf-8";
    resp.body = ReceiptText80mm(*d, store->identity(), Lang(req));
    return resp;
  });
  r.Add("GET", "/dossiers/{code}/refusal", [desk, store](const HttpRequest& req,
                                                        const PathParams& p) {
    auto d = desk->Get(p.at("code"));
    if (!d.ok()) return DeskErrorResponse(d.status());
    if (d->status != 3) {
      return ErrorResponse(Status::Conflict("dossier " + d->code + " was not refused at intake"));
    }
    return Html(RefusalSlipHtml(*d, store->identity(), Lang(req)));
  });

  // The web UI, compiled in.
  for (const WebAsset& a : WebAssets()) {
    std::string path(a.path);
    if (path == "/display.html") path = "/display";
    if (path == "/courier.html") path = "/courier";
    auto serve = [a](const HttpRequest&, const PathParams&) {
      HttpResponse resp;
      resp.content_type = std::string(a.content_type);
      resp.body = std::string(a.body);
      resp.headers.emplace_back("Cache-Control", "no-cache");
      resp.headers.emplace_back("X-Content-Type-Options", "nosniff");
      return resp;
    };
    r.Add("GET", path, serve);
    // A courier node's home page is the courier page (it has no desk).
    const bool courier = store->identity().role == "courier";
    if (path == (courier ? "/courier" : "/index.html")) r.Add("GET", "/", serve);
  }
}

}  // namespace hoso::node
