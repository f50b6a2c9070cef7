// DeskApi: the desk node's HTTP API and pages (docs/API.md), as a pure
// request -> response function over a Desk. No sockets here: node/main.cc
// puts it behind an HttpServer, and tests call Handle() directly.
//
// Thread-safety: not thread-safe (a Desk is single-threaded); serve it from
// an HttpServer with one I/O thread.
#ifndef HOSO_NODE_API_H_
#define HOSO_NODE_API_H_

#include "node/desk.h"
#include "node/node_store.h"
#include "sync/http.h"

namespace hoso::node {

class DeskApi {
 public:
  // REQUIRES: store and desk outlive the DeskApi.
  DeskApi(NodeStore* store, Desk* desk);

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  void AddRoutes();

  NodeStore* store_;
  Desk* desk_;
  Router router_;
};

// Maps a Desk error to the API's error response, with the precise codes of
// docs/API.md (unknown_procedure, procedure_not_in_force, ...).
HttpResponse DeskErrorResponse(const Status& status);

}  // namespace hoso::node

#endif  // HOSO_NODE_API_H_
