#include "sync/batch.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "schema/events.h"
#include "sync/compress.h"

namespace hoso::sync {
namespace {

constexpr UnixMs kT0 = 1'773'300'000'000;  // 2026-03-12 local morning
constexpr char kCentral[] = "central-hcm";
constexpr char kNode[] = "desk-01";

json::object TicketPayload(int n) {
  json::object p;
  p["ticket_number"] = n;
  p["counter_group"] = "A";
  p["service_date"] = "2026-03-12";
  return p;
}

// `n` chained events of `node` from `first_seq`, linked to `prev`.
std::vector<BatchEvent> Chain(int n, int64_t first_seq = 1, std::string prev = GenesisHash(),
                              const std::string& node = kNode) {
  std::vector<BatchEvent> out;
  for (int i = 0; i < n; ++i) {
    Event e = NewEvent(EventType::kTicketIssued, node, kT0 + i * 1000, TicketPayload(i + 1));
    e.seq = first_seq + i;
    std::string hash = ChainHash(prev, CanonicalJson(e));
    out.push_back(BatchEvent{std::move(e), prev, hash});
    prev = out.back().hash;
  }
  return out;
}

// Signs arbitrary event lines under a header that agrees with them, so tests
// can build the inconsistent batches EncodeBatch refuses to write.
std::string SignLines(const std::vector<BatchEvent>& events, const BatchHeader& header_in,
                      const SigningKey& key) {
  std::string body;
  for (const BatchEvent& be : events) {
    json::object line;
    line["event"] = EventToJsonObject(be.event);
    line["prev_hash"] = HexEncode(be.prev_hash);
    line["hash"] = HexEncode(be.hash);
    body += CanonicalJsonValue(json::value(line)) + "\n";
  }
  BatchHeader h = header_in;
  h.key_id = key.key_id();
  h.compression = "none";
  h.dict_id = 0;
  h.sealed = false;
  h.uncompressed_size = static_cast<int64_t>(body.size());
  return *EncodeSignedFile(FileKind::kBatch, h.ToJson(), body, key);
}

BatchHeader HeaderFor(const std::vector<BatchEvent>& events) {
  BatchHeader h;
  h.central_id = kCentral;
  h.node_id = kNode;
  h.first_seq = events.front().event.seq;
  h.last_seq = events.back().event.seq;
  h.event_count = static_cast<int64_t>(events.size());
  h.prev_hash = events.front().prev_hash;
  h.last_hash = events.back().hash;
  h.created_at_ms = kT0;
  return h;
}

class BatchTest : public ::testing::Test {
 protected:
  KeyLookup Keys() const {
    return [this](const std::string& node_id, const std::string& key_id) -> Result<std::string> {
      if (node_id != kNode) return Status::Unauthenticated("unknown_node " + node_id);
      if (key_id != node_key_.key_id()) return Status::Unauthenticated("unknown_key " + key_id);
      return node_key_.public_key();
    };
  }
  Result<OpenedBatch> Open(std::string_view file, const DecodeLimits& limits = DecodeLimits(),
                           const DictionaryLookup& dicts = nullptr) const {
    return DecodeBatch(file, Keys(), &central_key_, dicts, limits);
  }
  std::string Encode(const std::vector<BatchEvent>& events,
                     const EncodeOptions& options = EncodeOptions()) const {
    auto file = EncodeBatch(kCentral, kNode, events, 1, GenesisHash(), node_key_, options, kT0);
    EXPECT_TRUE(file.ok()) << file.status().ToString();
    return file.ok() ? *file : std::string();
  }

  SigningKey node_key_ = SigningKey::Generate();
  SigningKey central_key_ = SigningKey::Generate();
};

// ---- Round trips ----------------------------------------------------------------

TEST_F(BatchTest, BatchRoundTripsEventsAndHeader) {
  const auto events = Chain(5);
  const std::string file = Encode(events);
  auto opened = Open(file);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->events, events);
  const BatchHeader& h = opened->header;
  EXPECT_EQ(h.central_id, kCentral);
  EXPECT_EQ(h.node_id, kNode);
  EXPECT_EQ(h.key_id, node_key_.key_id());
  EXPECT_EQ(h.first_seq, 1);
  EXPECT_EQ(h.last_seq, 5);
  EXPECT_EQ(h.event_count, 5);
  EXPECT_EQ(h.prev_hash, GenesisHash());
  EXPECT_EQ(h.last_hash, events.back().hash);
  EXPECT_EQ(h.compression, "zstd");
  EXPECT_EQ(h.dict_id, 0);
  EXPECT_FALSE(h.sealed);
  EXPECT_EQ(h.created_at_ms, kT0);
  EXPECT_EQ(opened->file_hash, FileHash(file));
}

TEST_F(BatchTest, TheNodesUnacknowledgedCountTravelsOnlyWhenGiven) {
  const auto events = Chain(3);
  EncodeOptions o;
  o.unacked_events = 42;
  auto with = Open(Encode(events, o));
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_EQ(with->header.unacked_events, 42);
  EXPECT_EQ(with->header.ToJson().at("unacked_events").as_int64(), 42);
  auto without = Open(Encode(events));
  ASSERT_TRUE(without.ok()) << without.status().ToString();
  EXPECT_FALSE(without->header.unacked_events.has_value());
  EXPECT_FALSE(without->header.ToJson().contains("unacked_events"));
  json::object bad = with->header.ToJson();
  bad["unacked_events"] = -1;
  EXPECT_EQ(BatchHeader::FromJson(bad).status().field(), "unacked_events");
}

TEST_F(BatchTest, SentAheadRoundTripsAndIsAbsentFromTheHeaderWhenFalse) {
  const auto events = Chain(3);
  EncodeOptions o;
  o.sent_ahead = true;
  const std::string ahead_file = Encode(events, o);
  auto ahead = Open(ahead_file);
  ASSERT_TRUE(ahead.ok()) << ahead.status().ToString();
  EXPECT_TRUE(ahead->header.sent_ahead);
  EXPECT_EQ(DecodeSignedFile(ahead_file)->header.at("sent_ahead").as_bool(), true);
  const std::string normal_file = Encode(events);
  auto normal = Open(normal_file);
  ASSERT_TRUE(normal.ok()) << normal.status().ToString();
  EXPECT_FALSE(normal->header.sent_ahead);
  EXPECT_FALSE(DecodeSignedFile(normal_file)->header.contains("sent_ahead"));
  EXPECT_FALSE(normal->header.ToJson().contains("sent_ahead"));
}

TEST_F(BatchTest, SentAheadThatIsNotABoolIsRefused) {
  auto sf = DecodeSignedFile(Encode(Chain(3)));
  ASSERT_TRUE(sf.ok()) << sf.status().ToString();
  json::object h = sf->header;
  h["sent_ahead"] = "yes";
  EXPECT_EQ(BatchHeader::FromJson(h).status().field(), "sent_ahead");
  auto opened = Open(*EncodeSignedFile(FileKind::kBatch, h, sf->body, node_key_));
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.status().IsInvalidArgument()) << opened.status().ToString();
  EXPECT_EQ(opened.status().field(), "sent_ahead");
}

TEST_F(BatchTest, BatchInTheMiddleOfTheLogStartsFromTheStoredHash) {
  const auto all = Chain(10);
  const std::vector<BatchEvent> tail(all.begin() + 6, all.end());
  auto opened = Open(Encode(tail));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->header.first_seq, 7);
  EXPECT_EQ(opened->header.prev_hash, all[5].hash);
  EXPECT_EQ(opened->events, tail);
}

TEST_F(BatchTest, EmptyPollBatchCarriesItsPositionInTheLog) {
  const auto done = Chain(4);
  auto file =
      EncodeBatch(kCentral, kNode, {}, 5, done.back().hash, node_key_, EncodeOptions(), kT0);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto opened = Open(*file);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(opened->events.empty());
  EXPECT_EQ(opened->header.first_seq, 5);
  EXPECT_EQ(opened->header.last_seq, 4);
  EXPECT_EQ(opened->header.event_count, 0);
  EXPECT_EQ(opened->header.prev_hash, done.back().hash);
  EXPECT_EQ(opened->header.last_hash, done.back().hash);
}

TEST_F(BatchTest, UncompressedBatchRoundTrips) {
  EncodeOptions opts;
  opts.compress = false;
  const auto events = Chain(3);
  auto opened = Open(Encode(events, opts));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->header.compression, "none");
  EXPECT_EQ(opened->events, events);
}

TEST_F(BatchTest, EventLinesAreWrittenInCanonicalForm) {
  EncodeOptions opts;
  opts.compress = false;
  const auto events = Chain(3);
  SignedFile sf = *DecodeSignedFile(Encode(events, opts));
  std::string want;
  for (const BatchEvent& be : events) {
    want += CanonicalJsonValue(json::value(json::object{{"event", EventToJsonObject(be.event)},
                                                        {"prev_hash", HexEncode(be.prev_hash)},
                                                        {"hash", HexEncode(be.hash)}}));
    want += '\n';
  }
  EXPECT_EQ(sf.body, want);
}

TEST_F(BatchTest, SealedBatchOpensWithTheCentralKeyOnly) {
  EncodeOptions opts;
  opts.seal_to_public_key = central_key_.public_key();
  const auto events = Chain(3);
  const std::string file = Encode(events, opts);
  EXPECT_EQ(file.find("ticket_issued"), std::string::npos);
  auto opened = Open(file);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(opened->header.sealed);
  EXPECT_EQ(opened->events, events);

  SigningKey wrong = SigningKey::Generate();
  auto refused = DecodeBatch(file, Keys(), &wrong, nullptr, DecodeLimits());
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().IsCorruption());
  EXPECT_FALSE(IsBadSignature(refused.status()));

  auto no_key = DecodeBatch(file, Keys(), nullptr, nullptr, DecodeLimits());
  ASSERT_FALSE(no_key.ok());
  EXPECT_TRUE(no_key.status().IsInvalidArgument());
}

TEST_F(BatchTest, DictionaryCompressedBatchRoundTripsThroughTheLookup) {
  std::vector<std::string> samples;
  for (const BatchEvent& be : Chain(300)) samples.push_back(EventToJson(be.event));
  auto trained = TrainDictionary(samples, 4096);
  ASSERT_TRUE(trained.ok()) << trained.status().ToString();
  const Dictionary dict{7, *trained};
  EncodeOptions opts;
  opts.dictionary = &dict;
  const auto events = Chain(4);
  const std::string file = Encode(events, opts);
  DictionaryLookup lookup = [&](int64_t id) -> Result<Dictionary> {
    if (id == dict.dict_id) return dict;
    return Status::NotFound("no dictionary " + std::to_string(id));
  };
  auto opened = Open(file, DecodeLimits(), lookup);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->header.dict_id, 7);
  EXPECT_EQ(opened->events, events);
}

TEST_F(BatchTest, UnknownDictionaryIdIsAClearNotFound) {
  std::vector<std::string> samples;
  for (const BatchEvent& be : Chain(300)) samples.push_back(EventToJson(be.event));
  const Dictionary dict{42, *TrainDictionary(samples, 4096)};
  EncodeOptions opts;
  opts.dictionary = &dict;
  const std::string file = Encode(Chain(2), opts);
  auto no_lookup = Open(file);
  ASSERT_FALSE(no_lookup.ok());
  EXPECT_TRUE(no_lookup.status().IsNotFound());
  EXPECT_NE(no_lookup.status().message().find("dictionary 42"), std::string::npos);
  auto missing = Open(file, DecodeLimits(),
                      [](int64_t) -> Result<Dictionary> { return Status::NotFound("not here"); });
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().message().find("dictionary 42"), std::string::npos);
}

// ---- Damage and forgery -------------------------------------------------------------

TEST_F(BatchTest, ByteFlippedAtEveryPositionIsRefusedBeforeDecompression) {
  for (bool sealed : {false, true}) {
    EncodeOptions opts;
    if (sealed) opts.seal_to_public_key = central_key_.public_key();
    const std::string file = Encode(Chain(2), opts);
    ASSERT_TRUE(Open(file).ok());
    const uint64_t before = DecompressionsStarted();
    for (size_t pos = 0; pos < file.size(); ++pos) {
      std::string bad = file;
      bad[pos] = static_cast<char>(bad[pos] ^ 0x01);
      auto opened = Open(bad);
      ASSERT_FALSE(opened.ok()) << "flip at " << pos << " accepted";
      EXPECT_FALSE(opened.status().message().empty());
    }
    EXPECT_EQ(DecompressionsStarted(), before) << "a damaged file was decompressed";
  }
}

TEST_F(BatchTest, GarbageBodySignedByAnotherKeyIsBadSignatureNotADecompressionError) {
  SigningKey intruder = SigningKey::Generate();
  BatchHeader h = HeaderFor(Chain(1));
  h.key_id = node_key_.key_id();  // claims to be the node
  h.uncompressed_size = 1000;
  const std::string file =
      *EncodeSignedFile(FileKind::kBatch, h.ToJson(), "\x28\xb5\x2f\xfd garbage", intruder);
  const uint64_t before = DecompressionsStarted();
  auto opened = Open(file);
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(IsBadSignature(opened.status())) << opened.status().ToString();
  EXPECT_EQ(DecompressionsStarted(), before);
}

TEST_F(BatchTest, KeyLookupErrorIsReturnedUnchanged) {
  const std::string file = Encode(Chain(1));
  KeyLookup revoked = [](const std::string&, const std::string&) -> Result<std::string> {
    return Status::PermissionDenied("key_revoked: laptop stolen");
  };
  auto opened = DecodeBatch(file, revoked, &central_key_, nullptr, DecodeLimits());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(opened.status().message(), "key_revoked: laptop stolen");
}

TEST_F(BatchTest, TruncatedBatchIsRefusedAtEveryLength) {
  const std::string file = Encode(Chain(2));
  for (size_t len = 0; len < file.size(); ++len) {
    auto opened = Open(std::string_view(file).substr(0, len));
    ASSERT_FALSE(opened.ok()) << len;
    EXPECT_TRUE(opened.status().IsCorruption()) << len << ": " << opened.status().ToString();
  }
}

TEST_F(BatchTest, TrailingBytesAreRefused) {
  auto opened = Open(Encode(Chain(1)) + "x");
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.status().IsCorruption());
}

TEST_F(BatchTest, UnknownMagicIsRefused) {
  std::string file = Encode(Chain(1));
  file.replace(0, 8, "HOSOXXX1");
  EXPECT_TRUE(Open(file).status().IsInvalidArgument());
}

TEST_F(BatchTest, OtherFileKindIsRefusedAsABatch) {
  DownSync ds;
  ds.central_id = kCentral;
  ds.node_id = kNode;
  const std::string file = *EncodeDownSync(ds, node_key_, EncodeOptions(), kT0);
  auto opened = Open(file);
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.status().IsInvalidArgument());
}

TEST_F(BatchTest, UnsupportedFormatIsRefusedEvenWhenSigned) {
  json::object h = HeaderFor(Chain(1)).ToJson();
  h["format"] = 2;
  // EncodeSignedFile only writes format 1; frame by hand.
  const std::string header = CanonicalJsonValue(json::value(h));
  std::string file = "HOSOBAT1";
  for (int i = 3; i >= 0; --i) file.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  file += header;
  file += std::string(8, '\0');
  file += node_key_.Sign(file);
  auto opened = Open(file);
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.status().IsInvalidArgument());
  EXPECT_EQ(opened.status().message(), "unsupported format 2");
}

TEST_F(BatchTest, DecompressionBombIsRefusedUnderTheCap) {
  // 1 GiB of zeros in one frame, streamed so the test never holds it.
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  const std::string zeros(size_t{1} << 20, '\0');
  std::string bomb;
  std::string buf(ZSTD_CStreamOutSize(), '\0');
  for (int i = 0; i < 1024; ++i) {
    ZSTD_inBuffer in{zeros.data(), zeros.size(), 0};
    const ZSTD_EndDirective mode = i == 1023 ? ZSTD_e_end : ZSTD_e_continue;
    size_t left = 0;
    do {
      ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
      left = ZSTD_compressStream2(cctx, &ob, &in, mode);
      bomb.append(buf.data(), ob.pos);
    } while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
  }
  ZSTD_freeCCtx(cctx);
  ASSERT_LT(bomb.size(), 256 * 1024u);

  DecodeLimits limits;
  limits.max_uncompressed_bytes = size_t{8} << 20;
  for (int64_t claim : {int64_t{4096}, int64_t{8} << 20, int64_t{1} << 30}) {
    BatchHeader h = HeaderFor(Chain(1));
    h.key_id = node_key_.key_id();
    h.uncompressed_size = claim;
    const std::string file = *EncodeSignedFile(FileKind::kBatch, h.ToJson(), bomb, node_key_);
    auto opened = Open(file, limits);
    ASSERT_FALSE(opened.ok()) << claim;
    EXPECT_EQ(opened.status().code(), Status::Code::kResourceExhausted) << claim;
    EXPECT_NE(opened.status().message().find("decompressed size exceeds the limit"),
              std::string::npos);
  }
}

TEST_F(BatchTest, FileLargerThanTheLimitIsResourceExhausted) {
  DecodeLimits limits;
  limits.max_file_bytes = 64;
  auto opened = Open(Encode(Chain(3)), limits);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kResourceExhausted);
}

// ---- Chain checks inside a correctly signed batch ------------------------------------

TEST_F(BatchTest, TamperedEventWhoseHashNoLongerMatchesIsChainBroken) {
  auto events = Chain(3);
  events[1].event.payload["ticket_number"] = 99;
  auto opened = Open(SignLines(events, HeaderFor(events), node_key_));
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.status().IsCorruption());
  EXPECT_EQ(opened.status().message().rfind("chain broken at seq 2", 0), 0u)
      << opened.status().message();
}

TEST_F(BatchTest, EventNotLinkedToThePreviousIsChainBroken) {
  auto events = Chain(3);
  auto other = Chain(3, 1, std::string(32, '\x07'));
  events[2] = other[2];
  auto opened = Open(SignLines(events, HeaderFor(events), node_key_));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().message().rfind("chain broken at seq 3", 0), 0u)
      << opened.status().message();
}

TEST_F(BatchTest, FirstPrevHashDifferentFromTheHeaderIsChainBroken) {
  auto events = Chain(2);
  BatchHeader h = HeaderFor(events);
  h.prev_hash = std::string(32, '\x01');
  auto opened = Open(SignLines(events, h, node_key_));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().message().rfind("chain broken at seq 1", 0), 0u)
      << opened.status().message();
}

TEST_F(BatchTest, LastHashDifferentFromTheHeaderIsChainBroken) {
  auto events = Chain(2);
  BatchHeader h = HeaderFor(events);
  h.last_hash = events.front().hash;
  auto opened = Open(SignLines(events, h, node_key_));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().message().rfind("chain broken at seq 2", 0), 0u)
      << opened.status().message();
}

TEST_F(BatchTest, EventsOutOfOrderAreChainBroken) {
  auto events = Chain(3);
  std::swap(events[1], events[2]);
  BatchHeader h = HeaderFor(Chain(3));
  h.last_hash = events.back().hash;
  auto opened = Open(SignLines(events, h, node_key_));
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.status().IsCorruption());
  EXPECT_NE(opened.status().message().find("out of order"), std::string::npos)
      << opened.status().message();
}

TEST_F(BatchTest, EventCountDifferentFromTheBodyIsRefused) {
  auto events = Chain(3);
  BatchHeader h = HeaderFor(events);
  events.pop_back();
  auto opened = Open(SignLines(events, h, node_key_));
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.status().IsCorruption());
  EXPECT_NE(opened.status().message().find("event count"), std::string::npos);
}

TEST_F(BatchTest, EventOfAnotherNodeIsChainBroken) {
  auto events = Chain(2, 1, GenesisHash(), "desk-02");
  auto opened = Open(SignLines(events, HeaderFor(events), node_key_));
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("desk-02"), std::string::npos);
}

TEST_F(BatchTest, MalformedEventLineIsRefusedAfterTheSignature) {
  BatchHeader h = HeaderFor(Chain(1));
  h.key_id = node_key_.key_id();
  h.compression = "none";
  const std::string body = "{\"event\":{}}\n";
  h.uncompressed_size = static_cast<int64_t>(body.size());
  auto opened = Open(*EncodeSignedFile(FileKind::kBatch, h.ToJson(), body, node_key_));
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("event line 1"), std::string::npos)
      << opened.status().ToString();
}

// Large batches are parsed and hashed in two halves at once; what is refused
// and the error named must be those of a single pass in chain order.
TEST_F(BatchTest, LargeBatchRoundTripsEveryEventInOrder) {
  auto events = Chain(700);
  auto opened = Open(Encode(events));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->events, events);
}

TEST_F(BatchTest, LargeBatchNamesTheFirstTamperedEventInEitherHalf) {
  auto events = Chain(700);
  events[600].event.payload["ticket_number"] = 99;
  auto late = Open(SignLines(events, HeaderFor(events), node_key_));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().message().rfind("chain broken at seq 601", 0), 0u)
      << late.status().message();
  events[100].event.payload["ticket_number"] = 99;
  auto both = Open(SignLines(events, HeaderFor(events), node_key_));
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().message().rfind("chain broken at seq 101", 0), 0u)
      << both.status().message();
}

TEST_F(BatchTest, LargeBatchNamesTheFirstMalformedLineInEitherHalf) {
  auto events = Chain(700);
  const std::string file = SignLines(events, HeaderFor(events), node_key_);
  auto body = OpenBodyUnverified(*DecodeSignedFile(file), nullptr, nullptr, DecodeLimits());
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  std::vector<std::string> lines;
  for (size_t at = 0; at < body->size();) {
    const size_t nl = body->find('\n', at);
    lines.push_back(body->substr(at, nl - at));
    at = nl + 1;
  }
  auto reopen = [&](const std::vector<std::string>& ls) {
    BatchHeader h = HeaderFor(events);
    h.key_id = node_key_.key_id();
    h.compression = "none";
    std::string plain;
    for (const std::string& l : ls) plain += l + "\n";
    h.uncompressed_size = static_cast<int64_t>(plain.size());
    return Open(*EncodeSignedFile(FileKind::kBatch, h.ToJson(), plain, node_key_));
  };
  lines[500] = "{\"event\":{}}";
  auto late = reopen(lines);
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.status().message().find("event line 501"), std::string::npos)
      << late.status().ToString();
  lines[200] = "not json";
  auto both = reopen(lines);
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("event line 201"), std::string::npos)
      << both.status().ToString();
}

TEST_F(BatchTest, EncodeRefusesEventsThatAreNotContiguousOrNotChained) {
  auto events = Chain(3);
  events.erase(events.begin() + 1);
  auto file =
      EncodeBatch(kCentral, kNode, events, 1, GenesisHash(), node_key_, EncodeOptions(), kT0);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(file.status().IsInvalidArgument());
}

TEST_F(BatchTest, PeekReadsTheHeaderWithoutAKey) {
  auto h = PeekBatchHeader(Encode(Chain(2)));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->node_id, kNode);
  EXPECT_EQ(h->central_id, kCentral);
  EXPECT_EQ(h->last_seq, 2);
}

// ---- Down-sync ----------------------------------------------------------------------

DownSync SampleDownSync() {
  DownSync ds;
  ds.central_id = kCentral;
  ds.node_id = kNode;
  ds.acked_seq = 41;
  ds.in_reply_to = std::string(64, 'a');
  ds.result = kResultApplied;
  json::object dv;
  dv["kind"] = "data_version";
  dv["data"] = "calendar";
  dv["version"] = "2026.2";
  dv["body"] = json::object{{"days_off", json::array{"2026-04-26"}}};
  ds.items.push_back(dv);
  json::object rev;
  rev["kind"] = "revocation";
  rev["node_id"] = "desk-09";
  rev["key_id"] = "0123456789abcdef";
  rev["reason"] = "thiết bị bị mất";
  ds.items.push_back(rev);
  return ds;
}

TEST_F(BatchTest, DownSyncRoundTripsHeaderAndItems) {
  const DownSync ds = SampleDownSync();
  auto file = EncodeDownSync(ds, central_key_, EncodeOptions(), kT0);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto back = DecodeDownSync(*file, central_key_.public_key(), nullptr, nullptr, DecodeLimits());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->central_id, kCentral);
  EXPECT_EQ(back->node_id, kNode);
  EXPECT_EQ(back->key_id, central_key_.key_id());
  EXPECT_EQ(back->acked_seq, 41);
  EXPECT_EQ(back->expected_seq, 42);
  EXPECT_EQ(back->in_reply_to, ds.in_reply_to);
  EXPECT_EQ(back->result, "applied");
  EXPECT_FALSE(back->error.has_value());
  EXPECT_EQ(back->items, ds.items);
  EXPECT_EQ(back->created_at_ms, kT0);
}

TEST_F(BatchTest, RefusedDownSyncCarriesTheErrorObject) {
  DownSync ds = SampleDownSync();
  ds.items.clear();
  ds.result = kResultRefused;
  ds.error = DownSyncError{"sequence_gap", "expected seq 42", 42};
  auto file = EncodeDownSync(ds, central_key_, EncodeOptions(), kT0);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto back = DecodeDownSync(*file, central_key_.public_key(), nullptr, nullptr, DecodeLimits());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_TRUE(back->error.has_value());
  EXPECT_EQ(*back->error, *ds.error);
  EXPECT_TRUE(back->items.empty());
}

TEST_F(BatchTest, DownSyncEncoderRefusesAnErrorUnlessRefusedAndUnknownResults) {
  DownSync ds = SampleDownSync();
  ds.error = DownSyncError{"x", "y", std::nullopt};
  EXPECT_TRUE(EncodeDownSync(ds, central_key_, EncodeOptions(), kT0).status().IsInvalidArgument());
  ds = SampleDownSync();
  ds.result = kResultRefused;
  EXPECT_TRUE(EncodeDownSync(ds, central_key_, EncodeOptions(), kT0).status().IsInvalidArgument());
  ds.result = "maybe";
  EXPECT_TRUE(EncodeDownSync(ds, central_key_, EncodeOptions(), kT0).status().IsInvalidArgument());
}

TEST_F(BatchTest, TakesAheadRoundTripsAndIsAbsentFromTheHeaderWhenFalse) {
  DownSync ds = SampleDownSync();
  ds.takes_ahead = true;
  auto with = EncodeDownSync(ds, central_key_, EncodeOptions(), kT0);
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_EQ(DecodeSignedFile(*with)->header.at("takes_ahead").as_bool(), true);
  auto back = DecodeDownSync(*with, central_key_.public_key(), nullptr, nullptr, DecodeLimits());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->takes_ahead);
  ds.takes_ahead = false;
  auto without = EncodeDownSync(ds, central_key_, EncodeOptions(), kT0);
  ASSERT_TRUE(without.ok()) << without.status().ToString();
  EXPECT_FALSE(DecodeSignedFile(*without)->header.contains("takes_ahead"));
  back = DecodeDownSync(*without, central_key_.public_key(), nullptr, nullptr, DecodeLimits());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_FALSE(back->takes_ahead);

  auto sf = DecodeSignedFile(*with);
  json::object h = sf->header;
  h["takes_ahead"] = "yes";
  auto bad = DecodeDownSync(*EncodeSignedFile(FileKind::kDownSync, h, sf->body, central_key_),
                            central_key_.public_key(), nullptr, nullptr, DecodeLimits());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "takes_ahead");
}

TEST_F(BatchTest, SealedDownSyncOpensWithTheNodeKey) {
  EncodeOptions opts;
  opts.seal_to_public_key = node_key_.public_key();
  const std::string file = *EncodeDownSync(SampleDownSync(), central_key_, opts, kT0);
  auto back = DecodeDownSync(file, central_key_.public_key(), &node_key_, nullptr, DecodeLimits());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->sealed);
  EXPECT_EQ(back->items.size(), 2u);
  auto wrong =
      DecodeDownSync(file, central_key_.public_key(), &central_key_, nullptr, DecodeLimits());
  EXPECT_TRUE(wrong.status().IsCorruption());
}

TEST_F(BatchTest, DownSyncSignedByAnotherKeyIsBadSignature) {
  const std::string file = *EncodeDownSync(SampleDownSync(), node_key_, EncodeOptions(), kT0);
  const uint64_t before = DecompressionsStarted();
  auto back = DecodeDownSync(file, central_key_.public_key(), nullptr, nullptr, DecodeLimits());
  ASSERT_FALSE(back.ok());
  EXPECT_TRUE(IsBadSignature(back.status()));
  EXPECT_EQ(DecompressionsStarted(), before);
}

TEST_F(BatchTest, DictionaryItemRoundTripsItsBytes) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>(i * 7));
  const json::object item = DictionaryItem(Dictionary{3, bytes});
  EXPECT_EQ(item.at("kind").as_string(), "dictionary");
  auto back = DictionaryFromItem(item);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->dict_id, 3);
  EXPECT_EQ(back->bytes, bytes);
  json::object bad = item;
  bad["bytes_b64"] = "***";
  EXPECT_TRUE(DictionaryFromItem(bad).status().IsInvalidArgument());
}

// ---- Enrolment -------------------------------------------------------------------------

TEST_F(BatchTest, EnrolRequestRoundTripsAndIsSignedByTheNewKey) {
  EnrolRequest req;
  req.node_id = kNode;
  req.unit_code = "000.00.17.H29";
  req.role = "desk";
  req.token = "tok-123";
  auto file = EncodeEnrolRequest(req, node_key_, kT0);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto back = DecodeEnrolRequest(*file);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->node_id, kNode);
  EXPECT_EQ(back->unit_code, "000.00.17.H29");
  EXPECT_EQ(back->role, "desk");
  EXPECT_EQ(back->token, "tok-123");
  EXPECT_EQ(back->public_key, node_key_.public_key());
  EXPECT_EQ(back->key_id, node_key_.key_id());
  EXPECT_EQ(back->created_at_ms, kT0);
}

TEST_F(BatchTest, EnrolRequestWithAnotherPublicKeyInItsHeaderIsBadSignature) {
  EnrolRequest req{kNode, "000.00.17.H29", "desk", "", "", "tok", 0};
  SignedFile sf = *DecodeSignedFile(*EncodeEnrolRequest(req, node_key_, kT0));
  sf.header["public_key"] = HexEncode(central_key_.public_key());
  const std::string forged = *EncodeSignedFile(FileKind::kEnrolRequest, sf.header, "", node_key_);
  auto back = DecodeEnrolRequest(forged);
  ASSERT_FALSE(back.ok());
  EXPECT_TRUE(IsBadSignature(back.status())) << back.status().ToString();
}

TEST_F(BatchTest, EnrolAnswerRoundTripsWithDataVersionItems) {
  EnrolAnswer a;
  a.central_id = kCentral;
  a.node_id = kNode;
  a.unit_code = "000.00.17.H29";
  a.role = "desk";
  a.enrolled_at_ms = kT0;
  a.items.push_back(json::object{{"kind", "data_version"},
                                 {"data", "catalog"},
                                 {"version", "2026.1"},
                                 {"body", json::object{}}});
  auto file = EncodeEnrolAnswer(a, central_key_);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto back = DecodeEnrolAnswer(*file, central_key_.public_key());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->central_public_key, central_key_.public_key());
  EXPECT_EQ(back->central_key_id, central_key_.key_id());
  EXPECT_EQ(back->node_id, kNode);
  EXPECT_EQ(back->enrolled_at_ms, kT0);
  EXPECT_EQ(back->items, a.items);
  EXPECT_TRUE(DecodeEnrolAnswer(*file, "").ok());  // first contact: trust the key inside
  auto other = DecodeEnrolAnswer(*file, node_key_.public_key());
  ASSERT_FALSE(other.ok());
  EXPECT_TRUE(IsBadSignature(other.status()));
}

// ---- Inspection pieces -----------------------------------------------------------------

TEST_F(BatchTest, OpenBodyUnverifiedYieldsTheEventLines) {
  const auto events = Chain(2);
  SignedFile sf = *DecodeSignedFile(Encode(events));
  auto body = OpenBodyUnverified(sf, nullptr, nullptr, DecodeLimits());
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  auto parsed = ParseBatchLines(*body);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, events);
}

TEST_F(BatchTest, BodyLinesMustEachEndInANewline) {
  EXPECT_TRUE(ParseItemLines("{\"kind\":\"x\"}").status().IsCorruption());
  EXPECT_TRUE(ParseItemLines("{\"kind\":\"x\"}\n\n").status().IsCorruption());
  EXPECT_TRUE(ParseItemLines("{\"no_kind\":1}\n").status().IsCorruption());
  EXPECT_EQ(ParseItemLines("").value().size(), 0u);
}

}  // namespace
}  // namespace hoso::sync
