// OfficerApi: the central's routes for people (officers, supervisors,
// dispatchers, administrators), each authorised by role through one
// declarative table (OfficerRoutes(), the role matrix of docs/API.md).
//
// Every request to a route of the table passes Authorize() before its
// handler runs: a public route lets anyone through; any other needs a live
// session (Authorization: Bearer <token>, or the hoso_session cookie) of a
// user whose role the row allows. Refusals:
//   401 unauthenticated   no token, or an unknown one
//   401 session_expired   idle or absolute timeout passed
//   401 session_revoked   logged out, user disabled, password changed
//   403 account_disabled  the user is disabled
//   403 forbidden         the role may not call the route (the message names
//                         the role and the roles that may); audited as
//                         "auth.forbidden"
// A row may name an audit action: every successful call of that route is
// then written to the audit log (for reads worth recording, such as reading
// the audit log itself). Routes that change state write their audit row in
// their own transaction instead.
//
// The sync routes (CentralApi) are outside this table: nodes authenticate
// each batch by its signature.
//
// Adding a route: a row in OfficerApi::Entries() (officer_api.cc) with its
// handler, a row in the expected matrix of tests/central/officer_api_test.cc,
// a line in docs/API.md.
//
// Thread-safety: immutable after construction; handlers may run on many
// threads at once.
#ifndef HOSO_CENTRAL_OFFICER_API_H_
#define HOSO_CENTRAL_OFFICER_API_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "central/auth.h"
#include "central/central_store.h"
#include "central/online.h"
#include "central/refusal.h"
#include "central/tracking.h"
#include "central/users.h"
#include "schema/events.h"
#include "sync/http.h"

namespace hoso::central {

// Who may call a route: a set of roles, or everyone (kPublic).
using Access = uint32_t;
constexpr Access RoleBit(Role r) { return Access{1} << static_cast<int>(r); }
inline constexpr Access kAnyRole = RoleBit(Role::kAdmin) | RoleBit(Role::kSupervisor) |
                                   RoleBit(Role::kOfficer) | RoleBit(Role::kDispatcher);
// Anyone, without a session (login).
inline constexpr Access kPublic = Access{1} << 16;

struct RouteRule {
  const char* method;
  const char* pattern;  // as sync/http.h Router patterns
  Access access;
  const char* audit_action;  // written after each successful call; nullptr: none

  bool Allows(Role role) const { return (access & (kPublic | RoleBit(role))) != 0; }
};

// The table: every route OfficerApi serves, in the order of docs/API.md
// (OfficerApi::Routes()).
const std::vector<RouteRule>& OfficerRoutes();

// "admin, supervisor" for the roles of `access`; "anyone" for kPublic.
std::string AccessToString(Access access);

// The authorisation step alone (what the table-driven wrapper of every route
// calls): nullopt for a public route, the caller's session otherwise. A 403
// forbidden is written to the audit log.
Outcome<std::optional<Session>> Authorize(const HttpRequest& request, const RouteRule& rule,
                                          Authenticator* auth, CentralStore* store, Clock* clock);

class Metrics;

class OfficerApi {
 public:
  static constexpr size_t kMaxJsonBytes = 16 * 1024;

  // REQUIRES: every pointer outlives the OfficerApi. Without a `tracker`,
  // public tracking uses one of its own with the default limits on the
  // Authenticator's clock. Without `online` the reception routes answer 404
  // not_enabled. `metrics` may be null (GET /metrics then shows the
  // database gauges only).
  OfficerApi(CentralStore* store, Authenticator* auth, UserAdmin* users, Tracker* tracker = nullptr,
             OnlineDesk* online = nullptr, Metrics* metrics = nullptr);

  // The rules of the route table, in table order.
  static const std::vector<RouteRule>& Routes();

  // Adds every route of the table to `router`, each behind Authorize().
  void AddRoutes(Router* router) const;

 private:
  struct Call {
    const HttpRequest& request;
    const PathParams& params;
    const Session* session;  // nullptr on public routes
  };
  HttpResponse Login(const Call& call) const;
  HttpResponse Logout(const Call& call) const;
  HttpResponse Me(const Call& call) const;
  HttpResponse AdminUsers(const Call& call) const;
  HttpResponse AdminAudit(const Call& call) const;
  HttpResponse UnitAudit(const Call& call) const;
  // The officers' workflow (officer_dossiers.cc, docs/API.md "Officers'
  // workflow"): officers and supervisors act on the dossiers of their unit,
  // admins on all.
  HttpResponse Page(const Call& call) const;  // the officers' web page
  HttpResponse Inbox(const Call& call) const;
  HttpResponse DossierDetail(const Call& call) const;
  HttpResponse Form02(const Call& call) const;
  HttpResponse Form04(const Call& call) const;
  HttpResponse Assign(const Call& call) const;
  HttpResponse Transfer(const Call& call) const;
  HttpResponse Supplement(const Call& call) const;
  HttpResponse Payment(const Call& call) const;
  HttpResponse RecordResult(const Call& call) const;
  HttpResponse Apology(const Call& call) const;
  HttpResponse Stop(const Call& call) const;
  HttpResponse Withdrawal(const Call& call) const;
  // Public tracking (track_routes.cc, docs/API.md "Public tracking").
  HttpResponse TrackPage(const Call& call) const;  // the tracking web page
  HttpResponse Track(const Call& call) const;
  // Reception of online dossiers (reception_api.cc, docs/API.md "Reception
  // of online dossiers"): officers and supervisors of the online unit, and
  // admins.
  HttpResponse ReceptionPage(const Call& call) const;
  HttpResponse ReceptionInbox(const Call& call) const;
  HttpResponse ReceptionDetail(const Call& call) const;
  HttpResponse ReceptionFile(const Call& call) const;
  HttpResponse ReceptionForm01(const Call& call) const;
  HttpResponse ReceptionForm02(const Call& call) const;
  HttpResponse ReceptionAccept(const Call& call) const;
  HttpResponse ReceptionCompletion(const Call& call) const;
  HttpResponse ReceptionRefuse(const Call& call) const;
  HttpResponse ReceptionFilings(const Call& call) const;
  // nullptr when the caller may act on online dossiers; the refusal otherwise.
  std::optional<HttpResponse> ReceptionRefusal(const Call& call) const;
  // The dispatchers' routes (dispatch_api.cc, docs/API.md "Dispatch"):
  // shipments of results returned by post and their courier nodes.
  HttpResponse DispatchPage(const Call& call) const;  // /dispatch
  HttpResponse Shipments(const Call& call) const;
  HttpResponse ShipmentDetail(const Call& call) const;
  HttpResponse AssignShipmentRoute(const Call& call) const;
  HttpResponse Couriers(const Call& call) const;
  HttpResponse PendingShipments(const Call& call) const;
  HttpResponse CreatePending(const Call& call) const;
  // Reconciliation, dashboard and metrics (officer_reconcile.cc, docs/API.md
  // "Reconciliation", "Dashboard", "Metrics").
  HttpResponse Reconcile(const Call& call) const;
  HttpResponse Resolve(const Call& call) const;
  HttpResponse Dashboard(const Call& call) const;
  HttpResponse DashboardPage(const Call& call) const;
  // Public in the table: the handler lets the loopback interface or an
  // admin's session through, and refuses anyone else.
  HttpResponse MetricsText(const Call& call) const;
  // The event of `type` with `payload` on the dossier of the route, after
  // the unit check; 200 with the event and the dossier.
  HttpResponse DossierAct(const Call& call, EventType type, json::object payload) const;
  // DossierAct with the payload taken from the JSON body: the documented
  // fields of `type`, and the time under `iso_key` as the integer `ms_key`.
  HttpResponse BodyAct(const Call& call, EventType type, std::string_view iso_key = "",
                       std::string_view ms_key = "") const;

  // One row of the table: the rule and its handler.
  struct Entry {
    RouteRule rule;
    HttpResponse (OfficerApi::*handler)(const Call&) const;
  };
  static const std::vector<Entry>& Entries();

  CentralStore* store_;
  Authenticator* auth_;
  UserAdmin* users_;
  std::unique_ptr<Tracker> owned_tracker_;
  Tracker* tracker_;
  OnlineDesk* online_;
  Metrics* metrics_;
};

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_OFFICER_API_H_
