// BatchBodyWriter: a batch encoded one event at a time is the batch
// EncodeBatch writes, and a broken chain is refused at the event that breaks
// it without disturbing what was added before.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "schema/events.h"
#include "sync/batch.h"

namespace hoso::sync {
namespace {

constexpr UnixMs kT0 = 1'773'300'000'000;  // 2026-03-12 local morning
constexpr char kCentral[] = "central-hcm";
constexpr char kNode[] = "desk-01";

std::vector<BatchEvent> Chain(int n, int64_t first_seq = 1, std::string prev = GenesisHash()) {
  std::vector<BatchEvent> out;
  for (int i = 0; i < n; ++i) {
    json::object p{{"ticket_number", i + 1}, {"counter_group", "A"},
                   {"service_date", "2026-03-12"}};
    Event e = NewEvent(EventType::kTicketIssued, kNode, kT0 + i * 1000, std::move(p));
    e.seq = first_seq + i;
    std::string hash = ChainHash(prev, CanonicalJson(e));
    out.push_back(BatchEvent{std::move(e), prev, hash});
    prev = out.back().hash;
  }
  return out;
}

class BatchWriterTest : public ::testing::Test {
 protected:
  KeyLookup Keys() const {
    return [this](const std::string&, const std::string&) -> Result<std::string> {
      return node_key_.public_key();
    };
  }
  SigningKey node_key_ = SigningKey::Generate();
};

TEST_F(BatchWriterTest, EventsAddedOneByOneDecodeToTheSameBatchAsEncodeBatch) {
  const auto events = Chain(40, 11, std::string(kChainHashBytes, '\x07'));
  BatchBodyWriter writer(kNode, 11, events.front().prev_hash);
  for (const BatchEvent& be : events) ASSERT_TRUE(writer.Add(be).ok());
  EXPECT_EQ(writer.event_count(), 40);
  EncodeOptions o;
  o.unacked_events = 55;
  o.sent_ahead = true;
  auto streamed = writer.Finish(kCentral, node_key_, o, kT0);
  ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
  auto whole = EncodeBatch(kCentral, kNode, events, 0, "", node_key_, o, kT0);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  // Signatures are deterministic (Ed25519), so equal files mean equal bytes
  // of header, body and signature.
  EXPECT_EQ(*streamed, *whole);
  auto opened = DecodeBatch(*streamed, Keys(), nullptr, nullptr, DecodeLimits());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->events, events);
  EXPECT_EQ(opened->header.first_seq, 11);
  EXPECT_EQ(opened->header.last_seq, 50);
  EXPECT_EQ(opened->header.unacked_events, 55);
  EXPECT_TRUE(opened->header.sent_ahead);
}

TEST_F(BatchWriterTest, AnEventOutOfTurnIsRefusedAndWhatCameBeforeIsKept) {
  const auto events = Chain(5);
  BatchBodyWriter writer(kNode, 1, GenesisHash());
  ASSERT_TRUE(writer.Add(events[0]).ok());
  ASSERT_TRUE(writer.Add(events[1]).ok());
  const size_t bytes = writer.body_bytes();

  Status skipped = writer.Add(events[3]);  // seq 4 after seq 2
  EXPECT_EQ(skipped.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(skipped.message().find("chain broken at seq 3"), std::string::npos)
      << skipped.message();

  BatchEvent tampered = events[2];
  tampered.event.payload["ticket_number"] = 99;  // the hash no longer matches
  Status forged = writer.Add(tampered);
  EXPECT_NE(forged.message().find("hash does not match the event"), std::string::npos)
      << forged.message();

  BatchEvent relinked = events[2];
  relinked.prev_hash = events[0].hash;
  Status unlinked = writer.Add(relinked);
  EXPECT_NE(unlinked.message().find("prev_hash differs from the previous event's hash"),
            std::string::npos)
      << unlinked.message();

  BatchEvent stranger = events[2];
  stranger.event.node_id = "desk-02";
  EXPECT_NE(writer.Add(stranger).message().find("event of node 'desk-02'"), std::string::npos);

  EXPECT_EQ(writer.event_count(), 2);
  EXPECT_EQ(writer.body_bytes(), bytes);
  ASSERT_TRUE(writer.Add(events[2]).ok());
  auto file = writer.Finish(kCentral, node_key_, EncodeOptions(), kT0);
  ASSERT_TRUE(file.ok());
  auto opened = DecodeBatch(*file, Keys(), nullptr, nullptr, DecodeLimits());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->events, std::vector<BatchEvent>(events.begin(), events.begin() + 3));
}

TEST_F(BatchWriterTest, AWriterWithNoEventsFinishesAsAPollAtItsPosition) {
  const auto events = Chain(3);
  BatchBodyWriter writer(kNode, 4, events.back().hash);
  auto file = writer.Finish(kCentral, node_key_, EncodeOptions(), kT0);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto opened = DecodeBatch(*file, Keys(), nullptr, nullptr, DecodeLimits());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->header.event_count, 0);
  EXPECT_EQ(opened->header.first_seq, 4);
  EXPECT_EQ(opened->header.last_seq, 3);
  EXPECT_EQ(opened->header.prev_hash, events.back().hash);
  EXPECT_EQ(opened->header.last_hash, events.back().hash);
  EXPECT_FALSE(opened->header.sent_ahead);
}

TEST_F(BatchWriterTest, AWriterWithoutAPositionOrCentralIsRefusedAtFinish) {
  EXPECT_EQ(BatchBodyWriter(kNode, 0, GenesisHash())
                .Finish(kCentral, node_key_, EncodeOptions(), kT0)
                .status()
                .code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(BatchBodyWriter(kNode, 1, "short")
                .Finish(kCentral, node_key_, EncodeOptions(), kT0)
                .status()
                .code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(BatchBodyWriter(kNode, 1, GenesisHash())
                .Finish("", node_key_, EncodeOptions(), kT0)
                .status()
                .code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace hoso::sync
