// The dossier status state machine: the national public service portal's
// statuses 1..10 and the actions that move a dossier between them. Desks,
// the central and reconciliation all fold events through ApplyDossierAction
// so every side agrees on what is allowed. The full table is in
// docs/STATES.md.
//
// Overdue, apology and new appointment are attributes of a dossier, not
// statuses: a dossier in status 4 may be overdue, or have had its
// appointment moved by an apology, and it is still "processing".
//
// Thread-safety: pure functions and plain values.
#ifndef HOSO_SCHEMA_DOSSIER_STATE_H_
#define HOSO_SCHEMA_DOSSIER_STATE_H_

#include <optional>
#include <span>
#include <string_view>

#include "schema/status.h"
#include "schema/time.h"

namespace hoso {

// Numeric values are the portal's status codes and are stored and sent as
// such; never renumber.
enum class DossierStatus : int {
  kNewOnline = 1,            // Mới đăng ký trực tuyến
  kReceived = 2,             // Đã tiếp nhận
  kNotAccepted = 3,          // Không được tiếp nhận
  kProcessing = 4,           // Đang xử lý
  kSupplementRequested = 5,  // Yêu cầu bổ sung
  kPaymentRequested = 6,     // Yêu cầu thực hiện nghĩa vụ tài chính
  kWithdrawn = 7,            // Công dân yêu cầu rút hồ sơ
  kStopped = 8,              // Dừng xử lý
  kResultReady = 9,          // Đã xử lý xong
  kResultReturned = 10,      // Đã trả kết quả
};

// All ten statuses in numeric order.
std::span<const DossierStatus> AllDossierStatuses();
int StatusNumber(DossierStatus s);
// kInvalidArgument (field "status") unless 1 <= value <= 10.
Result<DossierStatus> StatusFromInt(int64_t value);
// "Đang xử lý" (UTF-8), as the portal shows it.
const char* DossierStatusNameVi(DossierStatus s);
// "processing"
const char* DossierStatusNameEn(DossierStatus s);
// 3 not accepted, 7 withdrawn, 8 stopped and 10 result returned: no action
// leaves them.
bool IsTerminal(DossierStatus s);
// The processing clock does not run while a supplement is awaited (status 5).
bool IsClockPaused(DossierStatus s);

// What can happen to a dossier. The snake_case names are the wire names used
// in events and APIs.
enum class DossierAction {
  kSubmitOnline,        // submit_online:        none -> 1
  kReceive,             // receive:              none | 1 -> 2
  kRefuseIntake,        // refuse_intake:        none | 1 -> 3
  kAssignHandler,       // assign_handler:       2 | 4 -> 4
  kTransferHandler,     // transfer_handler:     4 -> 4
  kRequestSupplement,   // request_supplement:   2 | 4 -> 5 (clock pauses)
  kSupplementReceived,  // supplement_received:  5 -> 4 (clock resumes)
  kRequestPayment,      // request_payment:      4 -> 6
  kPaymentReceived,     // payment_received:     6 -> 4
  kRecordResult,        // record_result:        4 -> 9 (approval or refusal)
  kWithdraw,            // withdraw:             2 | 4 | 5 | 6 -> 7
  kStop,                // stop:                 4 | 5 | 6 -> 8
  kReturnResult,        // return_result:        9 -> 10 (at the desk or by post)
  kIssueApology,        // issue_apology:        2 | 4 | 5 | 6 -> unchanged, once
};

std::span<const DossierAction> AllDossierActions();
const char* DossierActionName(DossierAction a);
// kInvalidArgument "unknown dossier action 'x'" (field "action").
Result<DossierAction> DossierActionFromName(std::string_view name);

// The status after `action`, starting from `from` (nullopt: the dossier does
// not exist yet). kConflict when the action is not allowed there; the message
// names the action, the current status and why, e.g. "cannot record_result:
// dossier is in status 5 (supplement requested); the supplement must be
// received first". issue_apology returns `from` unchanged; its once-only rule
// needs the dossier's history and is enforced by DossierState.
Result<DossierStatus> ApplyDossierAction(std::optional<DossierStatus> from, DossierAction action);

// A dossier's status together with the attributes that are not statuses.
// Small on purpose: the central keeps richer projections; this is what every
// side needs to fold events consistently.
struct DossierState {
  std::optional<DossierStatus> status;   // nullopt before intake / submission
  int apology_count = 0;                 // at most 1
  std::optional<UnixMs> appointment_ms;  // the promised return time in force

  bool clock_paused() const { return status && IsClockPaused(*status); }

  // True while the dossier is in progress with its clock running (2, 4, 6)
  // and `now_ms` is past the appointment. A dossier waiting for a supplement
  // is never overdue: its appointment is recomputed when the clock resumes.
  bool IsOverdue(UnixMs now_ms) const;

  // Applies `action`; on any error the state is left unchanged.
  // `new_appointment_ms` is what the action sets the appointment to:
  // required for issue_apology (and later than the appointment it replaces),
  // optional for receive and supplement_received (clock resumes, date is
  // recomputed), and refused for every other action.
  // Errors: kConflict for a transition the machine forbids or a second
  // apology; kInvalidArgument (field "appointment_ms") for appointment misuse.
  Status Apply(DossierAction action, std::optional<UnixMs> new_appointment_ms = std::nullopt);
};

}  // namespace hoso

#endif  // HOSO_SCHEMA_DOSSIER_STATE_H_
