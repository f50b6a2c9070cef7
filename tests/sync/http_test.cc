#include "sync/http.h"

#include <gtest/gtest.h>

#include "schema/json_util.h"

namespace hoso {
namespace {

HttpRequest MakeRequest(std::string method, std::string path) {
  HttpRequest request;
  request.method = std::move(method);
  request.path = path;
  request.target = std::move(path);
  return request;
}

json::object BodyOf(const HttpResponse& response) {
  auto parsed = ParseJsonObject(response.body);
  EXPECT_TRUE(parsed.ok()) << response.body;
  return parsed.ok() ? *parsed : json::object();
}

TEST(HttpTest, UrlDecodeTurnsPercentEscapesIntoBytes) {
  EXPECT_EQ(UrlDecode("Nguy%E1%BB%85n%20V%C4%83n"), "Nguyễn Văn");
  EXPECT_EQ(UrlDecode("a%2Fb"), "a/b");
}

TEST(HttpTest, UrlDecodeTreatsPlusAsSpaceOnlyWhenAsked) {
  EXPECT_EQ(UrlDecode("a+b"), "a+b");
  EXPECT_EQ(UrlDecode("a+b", /*plus_is_space=*/true), "a b");
}

TEST(HttpTest, UrlDecodeKeepsMalformedEscapesLiterally) {
  EXPECT_EQ(UrlDecode("100%"), "100%");
  EXPECT_EQ(UrlDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(UrlDecode("%41%"), "A%");
}

TEST(HttpTest, UrlEncodeRoundTripsThroughUrlDecode) {
  std::string text = "Nguyễn Văn Ánh / a&b=c?d+e%";
  std::string encoded = UrlEncode(text);
  EXPECT_EQ(encoded.find_first_of(" /&=?+"), std::string::npos) << encoded;
  EXPECT_EQ(UrlDecode(encoded), text);
  EXPECT_EQ(UrlEncode("A-z_0.9~"), "A-z_0.9~");
}

TEST(HttpTest, ParseQueryDecodesKeysAndValues) {
  auto query = ParseQuery("q=Nguy%E1%BB%85n+V%C4%83n&at=2026-03-12&flag");
  ASSERT_EQ(query.size(), 3u);
  EXPECT_EQ(query["q"], "Nguyễn Văn");
  EXPECT_EQ(query["at"], "2026-03-12");
  EXPECT_EQ(query["flag"], "");
}

TEST(HttpTest, ParseQueryKeepsTheFirstOfRepeatedKeysAndDropsEmptyKeys) {
  auto query = ParseQuery("a=1&a=2&=x&&b=");
  ASSERT_EQ(query.size(), 2u);
  EXPECT_EQ(query["a"], "1");
  EXPECT_EQ(query["b"], "");
}

TEST(HttpTest, HeaderLookupIgnoresCase) {
  HttpRequest request;
  request.headers = {{"Content-Type", "text/plain"}, {"X-Node-Id", "n1"}, {"x-node-id", "n2"}};
  EXPECT_EQ(request.Header("content-type"), "text/plain");
  EXPECT_EQ(request.Header("X-NODE-ID"), "n1");
  EXPECT_EQ(request.Header("Missing"), "");
  HttpResponse response;
  response.headers = {{"Allow", "GET"}};
  EXPECT_EQ(response.Header("allow"), "GET");
}

TEST(HttpTest, JsonResponseKeepsUtf8Unescaped) {
  HttpResponse response = JsonResponse(201, json::object{{"name", "Nguyễn Văn Ánh"}});
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.content_type, kJsonContentType);
  EXPECT_EQ(response.body, "{\"name\":\"Nguyễn Văn Ánh\"}");
}

TEST(HttpTest, ErrorResponseFromStatusHasTheDocumentedShape) {
  HttpResponse response =
      ErrorResponse(Status::InvalidArgument("must be 12 digits", "applicant.id_number"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body,
            "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"must be 12 digits\","
            "\"field\":\"applicant.id_number\"}}");
}

TEST(HttpTest, ErrorResponseOmitsAnEmptyField) {
  HttpResponse response = ErrorResponse(Status::Conflict("result not ready"));
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(response.body, "{\"error\":{\"code\":\"conflict\",\"message\":\"result not ready\"}}");
}

TEST(HttpTest, ErrorResponseMapsEveryCodeToItsHttpStatus) {
  EXPECT_EQ(ErrorResponse(Status::NotFound("x")).status, 404);
  EXPECT_EQ(ErrorResponse(Status::Unavailable("x")).status, 503);
  EXPECT_EQ(ErrorResponse(Status::IoError("x")).status, 507);
  EXPECT_EQ(ErrorResponse(Status::Internal("x")).status, 500);
  EXPECT_EQ(BodyOf(ErrorResponse(Status::IoError("x")))["error"].at("code"), "io_error");
}

TEST(HttpTest, ErrorResponseAcceptsAMorePreciseCode) {
  HttpResponse response = ErrorResponse(404, "unknown_procedure", "no procedure 1.0012", "id");
  EXPECT_EQ(response.status, 404);
  json::object error = BodyOf(response)["error"].as_object();
  EXPECT_EQ(error.at("code"), "unknown_procedure");
  EXPECT_EQ(error.at("field"), "id");
}

TEST(HttpTest, ErrorResponseFromOkIsAnInternalError) {
  HttpResponse response = ErrorResponse(Status::OK());
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(BodyOf(response)["error"].at("code"), "internal");
}

RouteHandler Named(std::string name) {
  return [name](const HttpRequest&, const PathParams& params) {
    json::object body{{"route", name}};
    for (const auto& [key, value] : params) body[key] = value;
    return JsonResponse(200, body);
  };
}

TEST(RouterTest, MatchesLiteralPathsAndMethods) {
  Router router;
  router.Add("GET", "/healthz", Named("health"));
  router.Add("POST", "/api/tickets", Named("issue"));
  EXPECT_EQ(BodyOf(router.Handle(MakeRequest("GET", "/healthz")))["route"], "health");
  EXPECT_EQ(BodyOf(router.Handle(MakeRequest("POST", "/api/tickets")))["route"], "issue");
}

TEST(RouterTest, ExtractsAndDecodesPathParameters) {
  Router router;
  router.Add("GET", "/api/dossiers/{code}/receipt", Named("receipt"));
  json::object body =
      BodyOf(router.Handle(MakeRequest("GET", "/api/dossiers/000.00.17.H29-260312-0007/receipt")));
  EXPECT_EQ(body["route"], "receipt");
  EXPECT_EQ(body["code"], "000.00.17.H29-260312-0007");
  body = BodyOf(router.Handle(MakeRequest("GET", "/api/dossiers/Nguy%E1%BB%85n%2Fx/receipt")));
  EXPECT_EQ(body["code"], "Nguyễn/x");
}

TEST(RouterTest, SeveralParametersAreAllExtracted) {
  Router router;
  router.Add("POST", "/api/units/{unit}/tickets/{id}/recall", Named("recall"));
  json::object body =
      BodyOf(router.Handle(MakeRequest("POST", "/api/units/H29/tickets/12/recall")));
  EXPECT_EQ(body["unit"], "H29");
  EXPECT_EQ(body["id"], "12");
}

TEST(RouterTest, UnknownPathIs404NotFound) {
  Router router;
  router.Add("GET", "/api/dossiers/{code}", Named("show"));
  for (const char* path : {"/api/other", "/api/dossiers", "/api/dossiers/", "/api/dossiers/a/b"}) {
    HttpResponse response = router.Handle(MakeRequest("GET", path));
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(BodyOf(response)["error"].at("code"), "not_found") << path;
  }
}

TEST(RouterTest, KnownPathWithOtherMethodIs405WithAllow) {
  Router router;
  router.Add("GET", "/api/tickets/{id}", Named("show"));
  router.Add("DELETE", "/api/tickets/{id}", Named("delete"));
  router.Add("POST", "/api/tickets", Named("issue"));
  HttpResponse response = router.Handle(MakeRequest("PUT", "/api/tickets/7"));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(BodyOf(response)["error"].at("code"), "method_not_allowed");
  EXPECT_EQ(response.Header("Allow"), "DELETE, GET, HEAD");
}

TEST(RouterTest, LiteralSegmentBeatsParameterWhateverTheOrder) {
  Router router;
  router.Add("GET", "/api/queue/{id}", Named("ticket"));
  router.Add("GET", "/api/queue/display", Named("display"));
  EXPECT_EQ(BodyOf(router.Handle(MakeRequest("GET", "/api/queue/display")))["route"], "display");
  EXPECT_EQ(BodyOf(router.Handle(MakeRequest("GET", "/api/queue/17")))["route"], "ticket");
}

TEST(RouterTest, HeadIsAnsweredByTheGetRoute) {
  Router router;
  router.Add("GET", "/healthz", Named("health"));
  HttpResponse response = router.Handle(MakeRequest("HEAD", "/healthz"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(BodyOf(response)["route"], "health");
}

TEST(RouterTest, HandlerSeesTheRequest) {
  Router router;
  router.Add("POST", "/echo", [](const HttpRequest& request, const PathParams&) {
    HttpResponse response;
    response.content_type = "text/plain; charset=utf-8";
    response.body = request.body;
    return response;
  });
  HttpRequest request = MakeRequest("POST", "/echo");
  request.body = "Nguyễn Văn Ánh";
  EXPECT_EQ(router.Handle(request).body, "Nguyễn Văn Ánh");
}

}  // namespace
}  // namespace hoso
