#include "central/officer_api.h"

#include <utility>

#include "central/audit.h"
#include "schema/json_util.h"

namespace hoso::central {
namespace {

constexpr char kAuditRead[] = "audit.read";

json::object UserSummary(const User& u) {
  json::object o{
      {"username", u.username}, {"display_name", u.display_name}, {"role", RoleName(u.role)}};
  o["unit"] = u.unit_code ? json::value(*u.unit_code) : json::value();
  return o;
}

HttpResponse TooLarge(size_t size, size_t limit) {
  return ErrorResponse(413, "body_too_large",
                       "the body of " + std::to_string(size) + " bytes is over the limit of " +
                           std::to_string(limit) + " bytes for this route");
}

json::object QueryToJson(const std::map<std::string, std::string>& query) {
  json::object o;
  for (const auto& [k, v] : query) o[k] = v;
  return o;
}

Result<AuditPage> QueryAudit(CentralStore* store, const AuditQuery& q) {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store->Db());
  return ListAudit(*db, q);
}

}  // namespace

std::string AccessToString(Access access) {
  if ((access & kPublic) != 0) return "anyone";
  std::string out;
  for (Role r : kAllRoles) {
    if ((access & RoleBit(r)) == 0) continue;
    if (!out.empty()) out += ", ";
    out += RoleName(r);
  }
  return out.empty() ? "nobody" : out;
}

const std::vector<RouteRule>& OfficerRoutes() { return OfficerApi::Routes(); }

// The role matrix. Keep it in step with docs/API.md ("Who may call what")
// and the expected matrix in tests/central/officer_api_test.cc.
const std::vector<OfficerApi::Entry>& OfficerApi::Entries() {
  constexpr Access kAdmin = RoleBit(Role::kAdmin);
  constexpr Access kSupervisors = RoleBit(Role::kAdmin) | RoleBit(Role::kSupervisor);
  constexpr Access kOfficers = kSupervisors | RoleBit(Role::kOfficer);
  // Who dispatches deliveries and watches them and reconciliation.
  constexpr Access kDispatchers = kSupervisors | RoleBit(Role::kDispatcher);
  static const std::vector<Entry> kEntries = {
      {{"POST", "/api/auth/login", kPublic, nullptr}, &OfficerApi::Login},
      {{"POST", "/api/auth/logout", kAnyRole, nullptr}, &OfficerApi::Logout},
      {{"GET", "/api/auth/me", kAnyRole, nullptr}, &OfficerApi::Me},
      {{"GET", "/api/admin/users", kAdmin, nullptr}, &OfficerApi::AdminUsers},
      {{"GET", "/api/admin/audit", kAdmin, kAuditRead}, &OfficerApi::AdminAudit},
      {{"GET", "/api/audit", kSupervisors, kAuditRead}, &OfficerApi::UnitAudit},
      {{"GET", "/officer", kPublic, nullptr}, &OfficerApi::Page},
      {{"GET", "/api/officer/inbox", kOfficers, nullptr}, &OfficerApi::Inbox},
      {{"GET", "/api/officer/dossiers/{code}", kOfficers, nullptr}, &OfficerApi::DossierDetail},
      {{"GET", "/api/officer/dossiers/{code}/form02", kOfficers, nullptr}, &OfficerApi::Form02},
      {{"GET", "/api/officer/dossiers/{code}/form04", kOfficers, nullptr}, &OfficerApi::Form04},
      {{"POST", "/api/officer/dossiers/{code}/assign", kSupervisors, nullptr}, &OfficerApi::Assign},
      {{"POST", "/api/officer/dossiers/{code}/transfer", kSupervisors, nullptr},
       &OfficerApi::Transfer},
      {{"POST", "/api/officer/dossiers/{code}/supplement", kOfficers, nullptr},
       &OfficerApi::Supplement},
      {{"POST", "/api/officer/dossiers/{code}/payment", kOfficers, nullptr}, &OfficerApi::Payment},
      {{"POST", "/api/officer/dossiers/{code}/result", kOfficers, nullptr},
       &OfficerApi::RecordResult},
      {{"POST", "/api/officer/dossiers/{code}/apology", kOfficers, nullptr}, &OfficerApi::Apology},
      {{"POST", "/api/officer/dossiers/{code}/stop", kOfficers, nullptr}, &OfficerApi::Stop},
      {{"POST", "/api/officer/dossiers/{code}/withdrawal", kOfficers, nullptr},
       &OfficerApi::Withdrawal},
      {{"GET", "/track", kPublic, nullptr}, &OfficerApi::TrackPage},
      {{"POST", "/api/track", kPublic, nullptr}, &OfficerApi::Track},
      {{"GET", "/reception", kPublic, nullptr}, &OfficerApi::ReceptionPage},
      {{"GET", "/api/reception/inbox", kOfficers, nullptr}, &OfficerApi::ReceptionInbox},
      {{"GET", "/api/reception/dossiers/{code}", kOfficers, nullptr},
       &OfficerApi::ReceptionDetail},
      {{"GET", "/api/reception/dossiers/{code}/files/{hash}", kOfficers, nullptr},
       &OfficerApi::ReceptionFile},
      {{"GET", "/api/reception/dossiers/{code}/form01", kOfficers, nullptr},
       &OfficerApi::ReceptionForm01},
      {{"GET", "/api/reception/dossiers/{code}/form02", kOfficers, nullptr},
       &OfficerApi::ReceptionForm02},
      {{"POST", "/api/reception/dossiers/{code}/accept", kOfficers, nullptr},
       &OfficerApi::ReceptionAccept},
      {{"POST", "/api/reception/dossiers/{code}/completion", kOfficers, nullptr},
       &OfficerApi::ReceptionCompletion},
      {{"POST", "/api/reception/dossiers/{code}/refuse", kOfficers, nullptr},
       &OfficerApi::ReceptionRefuse},
      {{"GET", "/api/reception/filings", kOfficers, nullptr}, &OfficerApi::ReceptionFilings},
      {{"GET", "/dispatch", kPublic, nullptr}, &OfficerApi::DispatchPage},
      {{"GET", "/api/dispatch/shipments", kDispatchers, nullptr}, &OfficerApi::Shipments},
      {{"GET", "/api/dispatch/shipments/{waybill}", kDispatchers, nullptr},
       &OfficerApi::ShipmentDetail},
      {{"POST", "/api/dispatch/shipments/{waybill}/assign", kDispatchers, nullptr},
       &OfficerApi::AssignShipmentRoute},
      {{"GET", "/api/dispatch/couriers", kDispatchers, nullptr}, &OfficerApi::Couriers},
      {{"GET", "/api/dispatch/pending", kDispatchers, nullptr}, &OfficerApi::PendingShipments},
      {{"POST", "/api/dispatch/pending/create", kDispatchers, nullptr}, &OfficerApi::CreatePending},
      {{"GET", "/api/reconcile", kDispatchers, nullptr}, &OfficerApi::Reconcile},
      {{"POST", "/api/reconcile/{item_id}/resolve", kSupervisors, nullptr}, &OfficerApi::Resolve},
      {{"GET", "/api/dashboard", kDispatchers, nullptr}, &OfficerApi::Dashboard},
      {{"GET", "/dashboard", kPublic, nullptr}, &OfficerApi::DashboardPage},
      {{"GET", "/metrics", kPublic, nullptr}, &OfficerApi::MetricsText},
  };
  return kEntries;
}

const std::vector<RouteRule>& OfficerApi::Routes() {
  static const std::vector<RouteRule> kRules = [] {
    std::vector<RouteRule> rules;
    for (const Entry& e : Entries()) rules.push_back(e.rule);
    return rules;
  }();
  return kRules;
}

Outcome<std::optional<Session>> Authorize(const HttpRequest& request, const RouteRule& rule,
                                          Authenticator* auth, CentralStore* store, Clock* clock) {
  if ((rule.access & kPublic) != 0) return std::optional<Session>();
  std::optional<RequestToken> token = TokenOf(request);
  if (!token || token->token.empty()) {
    return Refuse(401, "unauthenticated",
                  "log in first (POST /api/auth/login) and send the token as "
                  "\"Authorization: Bearer <token>\"");
  }
  Outcome<Session> session = auth->Authenticate(token->token);
  if (!session.ok()) return session.refusal();
  const User& user = session->user;
  if (!rule.Allows(user.role)) {
    const std::string route = std::string(rule.method) + " " + rule.pattern;
    // The refusal stands even if it cannot be recorded.
    if (auto db = store->Db(); db.ok()) {
      (void)AppendAudit(**db, clock->NowMs(), user.AsActor(request.remote_address), kAuditForbidden,
                        route, json::object{{"allowed", AccessToString(rule.access)}});
    }
    return Refuse(403, "forbidden",
                  std::string("the role ") + RoleName(user.role) + " may not call " + route +
                      " (allowed: " + AccessToString(rule.access) + ")");
  }
  return std::optional<Session>(std::move(session).value());
}

OfficerApi::OfficerApi(CentralStore* store, Authenticator* auth, UserAdmin* users, Tracker* tracker,
                       OnlineDesk* online, Metrics* metrics)
    : store_(store),
      auth_(auth),
      users_(users),
      tracker_(tracker),
      online_(online),
      metrics_(metrics) {
  if (tracker_ == nullptr) {
    TrackingOptions options;
    options.clock = auth_->options().clock;
    owned_tracker_ = std::make_unique<Tracker>(store_, options);
    tracker_ = owned_tracker_.get();
  }
}

void OfficerApi::AddRoutes(Router* router) const {
  for (const Entry& entry : Entries()) {
    router->Add(entry.rule.method, entry.rule.pattern,
                [this, &entry](const HttpRequest& request, const PathParams& params) {
                  Outcome<std::optional<Session>> who =
                      Authorize(request, entry.rule, auth_, store_, auth_->options().clock);
                  if (!who.ok()) {
                    HttpResponse r = who.refusal().ToHttp();
                    if (r.status == 401) {
                      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"hoso-central\"");
                      // A browser holding a dead session cookie drops it.
                      std::optional<RequestToken> token = TokenOf(request);
                      if (token && token->from_cookie) {
                        r.headers.emplace_back("Set-Cookie", ClearedSessionCookie());
                      }
                    }
                    return r;
                  }
                  const Session* session = who->has_value() ? &**who : nullptr;
                  HttpResponse r = (this->*entry.handler)(Call{request, params, session});
                  if (entry.rule.audit_action != nullptr && session != nullptr && r.status >= 200 &&
                      r.status < 300) {
                    if (auto db = store_->Db(); db.ok()) {
                      (void)AppendAudit(**db, auth_->options().clock->NowMs(),
                                        session->user.AsActor(request.remote_address),
                                        entry.rule.audit_action, request.path,
                                        json::object{{"query", QueryToJson(request.query)}});
                    }
                  }
                  return r;
                });
  }
}

HttpResponse OfficerApi::Login(const Call& call) const {
  const HttpRequest& request = call.request;
  if (request.body.size() > kMaxJsonBytes) return TooLarge(request.body.size(), kMaxJsonBytes);
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.status().message());
  auto username = GetString(*body, "username");
  if (!username.ok()) return ErrorResponse(username.status());
  auto password = GetString(*body, "password");
  if (!password.ok()) return ErrorResponse(password.status());
  LoginAttempt attempt = auth_->Login(*username, *password, request.remote_address);
  if (!attempt.ok()) return attempt.ToHttp();
  const LoginResult& login = *attempt.result;
  HttpResponse r =
      JsonResponse(200, json::object{{"token", login.token},
                                     {"expires_at", FormatLocalIso(login.session.expires_at_ms)},
                                     {"user", UserSummary(login.session.user)}});
  const int64_t max_age_s = auth_->options().session_absolute_ms / 1000;
  r.headers.emplace_back("Set-Cookie", SessionCookie(login.token, max_age_s));
  return r;
}

HttpResponse OfficerApi::Logout(const Call& call) const {
  Status s = auth_->Logout(*call.session, call.request.remote_address);
  if (!s.ok()) return ErrorResponse(s);
  HttpResponse r = JsonResponse(200, json::object{{"ok", true}});
  r.headers.emplace_back("Set-Cookie", ClearedSessionCookie());
  return r;
}

HttpResponse OfficerApi::Me(const Call& call) const {
  return JsonResponse(200, json::object{{"user", UserSummary(call.session->user)},
                                        {"session", call.session->ToJson()}});
}

HttpResponse OfficerApi::AdminUsers(const Call&) const {
  auto users = users_->ListUsers();
  if (!users.ok()) return ErrorResponse(users.status());
  json::array arr;
  for (const User& u : *users) arr.push_back(u.ToJson());
  return JsonResponse(200, json::object{{"users", std::move(arr)}});
}

HttpResponse OfficerApi::AdminAudit(const Call& call) const {
  auto q = AuditQueryFromParams(call.request.query);
  if (!q.ok()) return ErrorResponse(q.status());
  if (auto it = call.request.query.find("unit");
      it != call.request.query.end() && !it->second.empty()) {
    q->unit_code = it->second;
  }
  auto page = QueryAudit(store_, *q);
  if (!page.ok()) return ErrorResponse(page.status());
  return JsonResponse(200, AuditPageToJson(*page));
}

HttpResponse OfficerApi::UnitAudit(const Call& call) const {
  const User& user = call.session->user;
  if (user.role == Role::kAdmin) return AdminAudit(call);
  // A supervisor sees what the users of their own unit did.
  auto q = AuditQueryFromParams(call.request.query);
  if (!q.ok()) return ErrorResponse(q.status());
  if (auto it = call.request.query.find("unit");
      it != call.request.query.end() && !it->second.empty() && it->second != user.unit_code) {
    return ErrorResponse(403, "forbidden",
                         "a supervisor sees the audit log of their own unit (" +
                             user.unit_code.value_or("") + ") only");
  }
  q->unit_code = user.unit_code.value_or("");
  auto page = QueryAudit(store_, *q);
  if (!page.ok()) return ErrorResponse(page.status());
  return JsonResponse(200, AuditPageToJson(*page));
}

}  // namespace hoso::central
