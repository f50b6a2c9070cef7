// DeskApi: the attachment routes (docs/API.md "Attachments").
//
//   POST /api/dossiers/{code}/attachments?name=&doc=&clerk=   raw file body
//   GET  /api/dossiers/{code}/attachments
//   GET  /api/attachments/{hash}                              the file itself
#include <string>

#include "node/api.h"

namespace hoso::node {

namespace {

std::string Query(const HttpRequest& req, const char* key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

}  // namespace

HttpResponse AttachmentErrorResponse(const Status& s) {
  if (s.IsInvalidArgument() && s.field() == "file") {
    return ErrorResponse(415, "unsupported_media_type", s.message(), "file");
  }
  if (s.code() == Status::Code::kResourceExhausted) {
    return ErrorResponse(413, "body_too_large", s.message());
  }
  return DeskErrorResponse(s);
}

void DeskApi::AddAttachmentRoutes() {
  Router& r = router_;
  NodeAttachments* attachments = attachments_;

  r.Add("POST", "/api/dossiers/{code}/attachments",
        [attachments](const HttpRequest& req, const PathParams& p) {
          AddAttachmentRequest add;
          add.file_name = Query(req, "name");
          if (std::string doc = Query(req, "doc"); !doc.empty()) add.document_id = doc;
          if (std::string clerk = Query(req, "clerk"); !clerk.empty()) add.clerk = clerk;
          auto a = attachments->Add(p.at("code"), req.body, add);
          if (!a.ok()) return AttachmentErrorResponse(a.status());
          json::object o = NodeAttachments::ToJson(*a);
          o["already_attached"] = a->already_attached;
          return JsonResponse(a->already_attached ? 200 : 201, o);
        });

  r.Add("GET", "/api/dossiers/{code}/attachments",
        [attachments](const HttpRequest&, const PathParams& p) {
          auto list = attachments->OfDossier(p.at("code"));
          if (!list.ok()) return DeskErrorResponse(list.status());
          json::array a;
          for (const AttachmentInfo& info : *list) a.push_back(NodeAttachments::ToJson(info));
          return JsonResponse(
              200, json::object{{"dossier_code", p.at("code")}, {"attachments", std::move(a)}});
        });

  r.Add("GET", "/api/attachments/{hash}", [attachments](const HttpRequest&, const PathParams& p) {
    auto file = attachments->Read(p.at("hash"));
    if (!file.ok()) return DeskErrorResponse(file.status());
    HttpResponse resp;
    resp.content_type = file->media_type;
    resp.body = std::move(file->bytes);
    // Scans hold personal data: never cached, never sniffed into HTML.
    resp.headers.emplace_back("Cache-Control", "no-store");
    resp.headers.emplace_back("X-Content-Type-Options", "nosniff");
    resp.headers.emplace_back("Content-Disposition", "inline");
    return resp;
  });
}

}  // namespace hoso::node
