#include "schema/dossier_state.h"

#include <array>
#include <string>

namespace hoso {

namespace {

using S = DossierStatus;
using A = DossierAction;

constexpr std::array<DossierStatus, 10> kAllStatuses = {
    S::kNewOnline,        S::kReceived,  S::kNotAccepted, S::kProcessing,  S::kSupplementRequested,
    S::kPaymentRequested, S::kWithdrawn, S::kStopped,     S::kResultReady, S::kResultReturned,
};

constexpr std::array<DossierAction, 14> kAllActions = {
    A::kSubmitOnline,    A::kReceive,           A::kRefuseIntake,       A::kAssignHandler,
    A::kTransferHandler, A::kRequestSupplement, A::kSupplementReceived, A::kRequestPayment,
    A::kPaymentReceived, A::kRecordResult,      A::kWithdraw,           A::kStop,
    A::kReturnResult,    A::kIssueApology,
};

bool In(S s, std::initializer_list<S> set) {
  for (S x : set) {
    if (x == s) return true;
  }
  return false;
}

// The allowed transitions. Everything not listed here is refused.
std::optional<S> Target(std::optional<S> from, A action) {
  if (!from) {
    switch (action) {
      case A::kSubmitOnline:
        return S::kNewOnline;
      case A::kReceive:
        return S::kReceived;
      case A::kRefuseIntake:
        return S::kNotAccepted;
      default:
        return std::nullopt;
    }
  }
  const S s = *from;
  switch (action) {
    case A::kSubmitOnline:
      return std::nullopt;
    case A::kReceive:
      if (s == S::kNewOnline) return S::kReceived;
      return std::nullopt;
    case A::kRefuseIntake:
      if (s == S::kNewOnline) return S::kNotAccepted;
      return std::nullopt;
    case A::kAssignHandler:
      if (In(s, {S::kReceived, S::kProcessing})) return S::kProcessing;
      return std::nullopt;
    case A::kTransferHandler:
      if (s == S::kProcessing) return S::kProcessing;
      return std::nullopt;
    case A::kRequestSupplement:
      if (In(s, {S::kReceived, S::kProcessing})) return S::kSupplementRequested;
      return std::nullopt;
    case A::kSupplementReceived:
      if (s == S::kSupplementRequested) return S::kProcessing;
      return std::nullopt;
    case A::kRequestPayment:
      if (s == S::kProcessing) return S::kPaymentRequested;
      return std::nullopt;
    case A::kPaymentReceived:
      if (s == S::kPaymentRequested) return S::kProcessing;
      return std::nullopt;
    case A::kRecordResult:
      if (s == S::kProcessing) return S::kResultReady;
      return std::nullopt;
    case A::kWithdraw:
      if (In(s, {S::kReceived, S::kProcessing, S::kSupplementRequested, S::kPaymentRequested})) {
        return S::kWithdrawn;
      }
      return std::nullopt;
    case A::kStop:
      if (In(s, {S::kProcessing, S::kSupplementRequested, S::kPaymentRequested})) {
        return S::kStopped;
      }
      return std::nullopt;
    case A::kReturnResult:
      if (s == S::kResultReady) return S::kResultReturned;
      return std::nullopt;
    case A::kIssueApology:
      if (In(s, {S::kReceived, S::kProcessing, S::kSupplementRequested, S::kPaymentRequested})) {
        return s;
      }
      return std::nullopt;
  }
  return std::nullopt;
}

// Why `action` is refused in `from`. Checked from the most general reason to
// the most specific so the message points at what has to happen first.
// REQUIRES: Target(from, action) is nullopt.
std::string WhyRefused(std::optional<S> from, A action) {
  if (!from) return "no dossier has been received or submitted online under this code";
  const S s = *from;
  if (IsTerminal(s)) return "that status is final";
  if (action == A::kSubmitOnline) return "the dossier already exists";
  if (s == S::kNewOnline) return "the online submission must be received at the desk first";
  if (action == A::kReceive || action == A::kRefuseIntake) {
    return "the dossier has already been received";
  }
  if (s == S::kResultReady) {
    return "a result has already been recorded; it can only be returned";
  }
  switch (action) {
    case A::kSupplementReceived:
      return "no supplement has been requested";
    case A::kPaymentReceived:
      return "no payment has been requested";
    case A::kReturnResult:
      return "the result is not ready yet";
    case A::kRequestSupplement:
      if (s == S::kSupplementRequested) return "a supplement has already been requested";
      break;
    case A::kRequestPayment:
      if (s == S::kPaymentRequested) return "a payment has already been requested";
      break;
    default:
      break;
  }
  if (s == S::kSupplementRequested) return "the supplement must be received first";
  if (s == S::kPaymentRequested) return "the payment must be received first";
  if (s == S::kReceived) return "no handler has been assigned yet";
  return "the action is not allowed in this status";
}

}  // namespace

std::span<const DossierStatus> AllDossierStatuses() { return kAllStatuses; }

int StatusNumber(DossierStatus s) { return static_cast<int>(s); }

Result<DossierStatus> StatusFromInt(int64_t value) {
  if (value < 1 || value > 10) {
    return Status::InvalidArgument(
        "dossier status " + std::to_string(value) + " is not one of the portal statuses 1..10",
        "status");
  }
  return static_cast<DossierStatus>(value);
}

const char* DossierStatusNameVi(DossierStatus s) {
  switch (s) {
    case S::kNewOnline:
      return "Mới đăng ký trực tuyến";
    case S::kReceived:
      return "Đã tiếp nhận";
    case S::kNotAccepted:
      return "Không được tiếp nhận";
    case S::kProcessing:
      return "Đang xử lý";
    case S::kSupplementRequested:
      return "Yêu cầu bổ sung";
    case S::kPaymentRequested:
      return "Yêu cầu thực hiện nghĩa vụ tài chính";
    case S::kWithdrawn:
      return "Công dân yêu cầu rút hồ sơ";
    case S::kStopped:
      return "Dừng xử lý";
    case S::kResultReady:
      return "Đã xử lý xong";
    case S::kResultReturned:
      return "Đã trả kết quả";
  }
  return "?";
}

const char* DossierStatusNameEn(DossierStatus s) {
  switch (s) {
    case S::kNewOnline:
      return "new online";
    case S::kReceived:
      return "received";
    case S::kNotAccepted:
      return "not accepted";
    case S::kProcessing:
      return "processing";
    case S::kSupplementRequested:
      return "supplement requested";
    case S::kPaymentRequested:
      return "payment requested";
    case S::kWithdrawn:
      return "withdrawn";
    case S::kStopped:
      return "stopped";
    case S::kResultReady:
      return "result ready";
    case S::kResultReturned:
      return "result returned";
  }
  return "?";
}

bool IsTerminal(DossierStatus s) {
  return In(s, {S::kNotAccepted, S::kWithdrawn, S::kStopped, S::kResultReturned});
}

bool IsClockPaused(DossierStatus s) { return s == S::kSupplementRequested; }

std::span<const DossierAction> AllDossierActions() { return kAllActions; }

const char* DossierActionName(DossierAction a) {
  switch (a) {
    case A::kSubmitOnline:
      return "submit_online";
    case A::kReceive:
      return "receive";
    case A::kRefuseIntake:
      return "refuse_intake";
    case A::kAssignHandler:
      return "assign_handler";
    case A::kTransferHandler:
      return "transfer_handler";
    case A::kRequestSupplement:
      return "request_supplement";
    case A::kSupplementReceived:
      return "supplement_received";
    case A::kRequestPayment:
      return "request_payment";
    case A::kPaymentReceived:
      return "payment_received";
    case A::kRecordResult:
      return "record_result";
    case A::kWithdraw:
      return "withdraw";
    case A::kStop:
      return "stop";
    case A::kReturnResult:
      return "return_result";
    case A::kIssueApology:
      return "issue_apology";
  }
  return "?";
}

Result<DossierAction> DossierActionFromName(std::string_view name) {
  for (A a : kAllActions) {
    if (name == DossierActionName(a)) return a;
  }
  return Status::InvalidArgument("unknown dossier action '" + std::string(name) + "'", "action");
}

Result<DossierStatus> ApplyDossierAction(std::optional<DossierStatus> from, DossierAction action) {
  if (std::optional<S> to = Target(from, action)) return *to;
  std::string where = from ? "dossier is in status " + std::to_string(StatusNumber(*from)) + " (" +
                                 DossierStatusNameEn(*from) + ")"
                           : std::string("dossier does not exist yet");
  return Status::Conflict(std::string("cannot ") + DossierActionName(action) + ": " + where + "; " +
                          WhyRefused(from, action));
}

bool DossierState::IsOverdue(UnixMs now_ms) const {
  if (!status || !appointment_ms) return false;
  if (!In(*status, {S::kReceived, S::kProcessing, S::kPaymentRequested})) return false;
  return now_ms > *appointment_ms;
}

Status DossierState::Apply(DossierAction action, std::optional<UnixMs> new_appointment_ms) {
  const bool sets_appointment =
      action == A::kReceive || action == A::kSupplementReceived || action == A::kIssueApology;
  if (new_appointment_ms && !sets_appointment) {
    return Status::InvalidArgument(
        std::string(DossierActionName(action)) + " does not set an appointment", "appointment_ms");
  }
  HOSO_ASSIGN_OR_RETURN(DossierStatus next, ApplyDossierAction(status, action));
  if (action == A::kIssueApology) {
    if (apology_count > 0) {
      return Status::Conflict(
          "cannot issue_apology: an apology has already been issued for this dossier; "
          "only one is allowed");
    }
    if (!new_appointment_ms) {
      return Status::InvalidArgument("issue_apology requires the new appointment",
                                     "appointment_ms");
    }
    if (appointment_ms && *new_appointment_ms <= *appointment_ms) {
      return Status::InvalidArgument(
          "the apology's new appointment " + FormatLocalIso(*new_appointment_ms) +
              " must be later than the current one " + FormatLocalIso(*appointment_ms),
          "appointment_ms");
    }
    ++apology_count;
  }
  if (new_appointment_ms) appointment_ms = new_appointment_ms;
  status = next;
  return Status::OK();
}

}  // namespace hoso
