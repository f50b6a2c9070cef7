#include "central/online_api.h"

#include <charconv>
#include <functional>
#include <utility>

#include "central/web_assets.h"
#include "schema/ids.h"
#include "schema/json_util.h"

namespace hoso::central {
namespace {

constexpr char kCsp[] =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'";

HttpResponse Refused(const Refusal& r) {
  HttpResponse h = r.ToHttp();
  if (r.http_status == 429) {
    // "try again in N s": the number for the header.
    const size_t in = r.message.rfind(" in ");
    std::string secs = in == std::string::npos ? "60" : r.message.substr(in + 4);
    secs = secs.substr(0, secs.find(' '));
    h.headers.emplace_back("Retry-After", secs);
  }
  return h;
}

template <typename T>
HttpResponse Json(const Outcome<T>& o) {
  if (!o.ok()) return Refused(o.refusal());
  return JsonResponse(200, *o);
}

Result<json::object> Body(const HttpRequest& r) {
  if (r.body.size() > OnlineApi::kMaxJsonBytes) {
    return Status::InvalidArgument("the body of " + std::to_string(r.body.size()) +
                                   " bytes is over the limit of " +
                                   std::to_string(OnlineApi::kMaxJsonBytes) + " bytes");
  }
  if (r.body.empty()) return json::object();
  return ParseJsonObject(r.body);
}

std::string Query(const HttpRequest& r, const char* key) {
  auto it = r.query.find(key);
  return it == r.query.end() ? "" : it->second;
}

HttpResponse BadBody(const Status& s) {
  return ErrorResponse(400, "bad_request", s.message(), s.field());
}

}  // namespace

HttpResponse ServeUpload(const OnlineFile& file) {
  HttpResponse r;
  r.status = 200;
  // The type the content was checked as, whatever the name says.
  r.content_type = file.media_type;
  r.body = file.bytes;
  std::string ascii;
  for (char c : file.file_name) {
    const unsigned char u = static_cast<unsigned char>(c);
    ascii += (u >= 0x20 && u < 0x7F && c != '"' && c != '\\' && c != ';') ? c : '_';
  }
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + ascii + "\"");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; sandbox");
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse ServePage(const std::string& asset_path) {
  for (const WebAsset& a : WebAssets()) {
    if (a.path != asset_path) continue;
    HttpResponse r;
    r.content_type = std::string(a.content_type);
    r.body = std::string(a.body);
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("Content-Security-Policy", kCsp);
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return r;
  }
  return ErrorResponse(404, "not_found", asset_path + " is not in this build");
}

void OnlineApi::AddRoutes(Router* router) const {
  OnlineDesk* d = online_;
  // Every route counts against the caller's address first.
  auto add = [router, d](const char* method, const char* pattern,
                         std::function<HttpResponse(const HttpRequest&, const PathParams&)> h) {
    router->Add(method, pattern, [d, h = std::move(h)](const HttpRequest& r, const PathParams& p) {
      Outcome<bool> ok = d->CountRequest(r.remote_address);
      if (!ok.ok()) return Refused(ok.refusal());
      return h(r, p);
    });
  };
  add("GET", "/submit",
      [](const HttpRequest&, const PathParams&) { return ServePage("/submit.html"); });
  add("GET", "/api/online/procedures",
      [d](const HttpRequest&, const PathParams&) { return JsonResponse(200, d->Procedures()); });
  add("GET", "/api/online/desks", [d](const HttpRequest&, const PathParams&) {
    auto desks = d->Desks();
    if (!desks.ok()) return ErrorResponse(desks.status());
    return JsonResponse(200, *desks);
  });
  add("GET", "/api/online/postal-fee", [d](const HttpRequest& r, const PathParams&) {
    const std::string province = Query(r, "province");
    if (province.empty()) {
      return ErrorResponse(400, "bad_request", "name the delivery province (?province=...)",
                           "province");
    }
    return JsonResponse(200, d->PostalFee(province));
  });
  add("POST", "/api/online/drafts", [d](const HttpRequest& r, const PathParams&) {
    return Json(d->CreateDraft(r.remote_address));
  });
  add("GET", "/api/online/drafts/{token}",
      [d](const HttpRequest&, const PathParams& p) { return Json(d->GetDraft(p.at("token"))); });
  add("PUT", "/api/online/drafts/{token}", [d](const HttpRequest& r, const PathParams& p) {
    auto body = Body(r);
    if (!body.ok()) return BadBody(body.status());
    auto fields = GetObject(*body, "fields");
    if (!fields.ok()) return BadBody(fields.status());
    return Json(d->SaveDraft(p.at("token"), **fields));
  });
  add("POST", "/api/online/drafts/{token}/files", [d](const HttpRequest& r, const PathParams& p) {
    return Json(d->AddDraftFile(p.at("token"), Query(r, "document_id"), Query(r, "name"), r.body));
  });
  add("DELETE", "/api/online/drafts/{token}/files/{file_id}",
      [d](const HttpRequest&, const PathParams& p) {
        const std::string& id = p.at("file_id");
        int64_t n = 0;
        auto [ptr, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
        if (ec != std::errc() || ptr != id.data() + id.size()) {
          return ErrorResponse(400, "bad_request", "file_id must be a number", "file_id");
        }
        return Json(d->RemoveDraftFile(p.at("token"), n));
      });
  add("POST", "/api/online/drafts/{token}/submit", [d](const HttpRequest& r, const PathParams& p) {
    std::vector<FieldError> errors;
    Outcome<SubmitResult> s = d->Submit(p.at("token"), r.remote_address, &errors);
    if (!s.ok()) {
      HttpResponse h = Refused(s.refusal());
      if (!errors.empty()) {
        json::array list;
        for (const FieldError& e : errors) {
          list.push_back(json::object{
              {"field", e.field}, {"message", e.message}, {"message_vi", e.message_vi}});
        }
        json::object body{{"error", json::object{{"code", s.refusal().code},
                                                 {"message", s.refusal().message},
                                                 {"field", s.refusal().field}}},
                          {"errors", std::move(list)}};
        h.body = ToJson(json::value(std::move(body)));
      }
      return h;
    }
    return JsonResponse(200, json::object{{"code", s->code},
                                          {"secret", FormatLookupSecret(s->secret)},
                                          {"receipt", s->receipt}});
  });
  auto code_secret = [](const HttpRequest& r, std::string* code, std::string* secret) -> Status {
    HOSO_ASSIGN_OR_RETURN(json::object body, Body(r));
    HOSO_ASSIGN_OR_RETURN(*code, GetString(body, "code"));
    HOSO_ASSIGN_OR_RETURN(*secret, GetString(body, "secret"));
    return Status::OK();
  };
  add("POST", "/api/online/lookup", [d, code_secret](const HttpRequest& r, const PathParams&) {
    std::string code, secret;
    if (Status s = code_secret(r, &code, &secret); !s.ok()) return BadBody(s);
    return Json(d->Lookup(code, secret, r.remote_address));
  });
  add("POST", "/api/online/receipt", [d, code_secret](const HttpRequest& r, const PathParams&) {
    std::string code, secret;
    if (Status s = code_secret(r, &code, &secret); !s.ok()) return BadBody(s);
    Outcome<std::string> html = d->ReceiptHtml(code, secret, r.remote_address);
    if (!html.ok()) return Refused(html.refusal());
    HttpResponse h;
    h.content_type = "text/html; charset=utf-8";
    h.body = *html;
    h.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"bien-nhan-" + code + ".html\"");
    h.headers.emplace_back("X-Content-Type-Options", "nosniff");
    h.headers.emplace_back("Cache-Control", "no-store");
    return h;
  });
  add("POST", "/api/online/dossiers/{code}/files", [d](const HttpRequest& r, const PathParams& p) {
    return Json(d->AddCompletionFile(p.at("code"), r.Header(kLookupSecretHeader), r.remote_address,
                                     Query(r, "document_id"), Query(r, "name"), r.body));
  });
  add("POST", "/api/online/dossiers/{code}/completion",
      [d](const HttpRequest& r, const PathParams& p) {
        auto body = Body(r);
        if (!body.ok()) return BadBody(body.status());
        auto secret = GetString(*body, "secret");
        if (!secret.ok()) return BadBody(secret.status());
        return Json(d->SubmitCompletion(p.at("code"), *secret, r.remote_address));
      });
}

}  // namespace hoso::central
