// DeskApi: the desk node's HTTP API and pages (docs/API.md), as a pure
// request -> response function over a Desk. No sockets here: node/main.cc
// puts it behind an HttpServer, and tests call Handle() directly.
//
// Thread-safety: not thread-safe (a Desk is single-threaded); serve it from
// an HttpServer with one I/O thread.
#ifndef HOSO_NODE_API_H_
#define HOSO_NODE_API_H_

#include <cstddef>
#include <memory>

#include "node/attachments.h"
#include "node/collections.h"
#include "node/courier.h"
#include "node/desk.h"
#include "node/node_store.h"
#include "sync/http.h"

namespace hoso::node {

class DeskApi {
 public:
  // Request bodies: JSON routes take at most kMaxJsonBodyBytes; the
  // attachment upload (a raw file) up to kMaxAttachmentBytes. The server in
  // front must accept kMaxRequestBodyBytes.
  static constexpr size_t kMaxJsonBodyBytes = size_t{1} << 20;
  static constexpr size_t kMaxRequestBodyBytes =
      static_cast<size_t>(kMaxAttachmentBytes) + (size_t{64} << 10);

  // REQUIRES: store, desk (and attachments when given) outlive the DeskApi.
  // Without `attachments` the API makes its own on `store`.
  DeskApi(NodeStore* store, Desk* desk, NodeAttachments* attachments = nullptr);

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  void AddRoutes();
  void AddAttachmentRoutes();
  void AddCourierRoutes();      // node/api_courier.cc
  void AddCollectionRoutes();  // node/api_collections.cc

  NodeStore* store_;
  Desk* desk_;
  std::unique_ptr<NodeAttachments> owned_attachments_;
  NodeAttachments* attachments_;
  std::unique_ptr<Courier> courier_;
  std::unique_ptr<Collections> collections_;
  Router router_;
};

// Maps a Desk error to the API's error response, with the precise codes of
// docs/API.md (unknown_procedure, procedure_not_in_force, ...).
HttpResponse DeskErrorResponse(const Status& status);
// The same for attachment uploads: content that is not PDF, JPEG or PNG is
// 415 unsupported_media_type, a file over the cap 413 body_too_large.
HttpResponse AttachmentErrorResponse(const Status& status);
// The same for courier actions: unknown waybill 404 unknown_waybill, a move
// the shipment state machine forbids 409 invalid_transition, a proof that is
// not JPEG or PNG 415 unsupported_media_type, one over kMaxProofBytes 413
// proof_too_large, other bad fields 400 invalid_argument with the field.
HttpResponse CourierErrorResponse(const Status& status);
// The same for collections: unknown code 404 unknown_collection, a hand-over
// before the result is ready or after it was returned 409 invalid_transition,
// bad fields 400 invalid_argument with the field.
HttpResponse CollectionErrorResponse(const Status& status);
// POST /api/courier/shipments/{waybill}/deliver: its body is an image.
bool IsCourierDelivery(const HttpRequest& request);

}  // namespace hoso::node

#endif  // HOSO_NODE_API_H_
