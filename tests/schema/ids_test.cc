#include "schema/ids.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace hoso {
namespace {

constexpr Date kMar12{2026, 3, 12};

// ---- Dossier codes -----------------------------------------------------------

TEST(DossierCodeTest, FormatsUnitDateAndFourDigitNumber) {
  Result<std::string> code = FormatDossierCode("000.00.17.H29", kMar12, 7);
  ASSERT_TRUE(code.ok()) << code.status().ToString();
  EXPECT_EQ(*code, "000.00.17.H29-260312-0007");
}

TEST(DossierCodeTest, LastNumberOfTheDayIs9999) {
  Result<std::string> code = FormatDossierCode("000.00.17.H29", kMar12, 9999);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, "000.00.17.H29-260312-9999");
}

TEST(DossierCodeTest, NumberTenThousandIsResourceExhaustedNamingUnitAndDay) {
  Result<std::string> code = FormatDossierCode("000.00.17.H29", kMar12, 10000);
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.status().code(), Status::Code::kResourceExhausted);
  EXPECT_EQ(code.status().message(),
            "daily dossier numbers for unit 000.00.17.H29 on 2026-03-12 are exhausted (9999)");
}

TEST(DossierCodeTest, NumberZeroOrNegativeIsInvalid) {
  EXPECT_TRUE(FormatDossierCode("000.00.17.H29", kMar12, 0).status().IsInvalidArgument());
  EXPECT_TRUE(FormatDossierCode("000.00.17.H29", kMar12, -3).status().IsInvalidArgument());
}

TEST(DossierCodeTest, DateOutsideTwoDigitCenturyIsInvalid) {
  EXPECT_TRUE(FormatDossierCode("H29", Date{1999, 12, 31}, 1).status().IsInvalidArgument());
  EXPECT_TRUE(FormatDossierCode("H29", Date{2100, 1, 1}, 1).status().IsInvalidArgument());
  EXPECT_TRUE(FormatDossierCode("H29", Date{2026, 2, 30}, 1).status().IsInvalidArgument());
  EXPECT_TRUE(FormatDossierCode("H29", Date{2000, 1, 1}, 1).ok());
}

TEST(DossierCodeTest, ParseReturnsUnitDateAndNumber) {
  Result<DossierCode> c = ParseDossierCode("000.00.17.H29-260312-0007");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->unit_code, "000.00.17.H29");
  EXPECT_EQ(c->date, kMar12);
  EXPECT_EQ(c->number, 7);
}

TEST(DossierCodeTest, FormatAndParseRoundTrip) {
  const DossierCode in{"G12.34.AB", Date{2031, 12, 31}, 4321};
  Result<std::string> text = FormatDossierCode(in);
  ASSERT_TRUE(text.ok());
  Result<DossierCode> out = ParseDossierCode(*text);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, in);
}

TEST(DossierCodeTest, ParseRejectsEachMalformedPartWithPreciseMessage) {
  struct Case {
    const char* code;
    const char* says;
  };
  const Case cases[] = {
      {"000.00.17.H29", "must look like"},
      {"260312-0007", "must look like"},
      {"-260312-0007", "3 to 32 characters"},
      {"000.00.17.h29-260312-0007", "upper-case"},
      {"000..17.H29-260312-0007", "empty segment"},
      {"000.00.17.H29-2603120-0007", "6 digits"},
      {"000.00.17.H29-26031A-0007", "6 digits"},
      {"000.00.17.H29-260230-0007", "not a calendar date"},
      {"000.00.17.H29-260312-007", "4 digits"},
      {"000.00.17.H29-260312-00071", "4 digits"},
      {"000.00.17.H29-260312-0000", "never issued"},
      {"000.00.17.H29-260312-", "4 digits"},
  };
  for (const Case& c : cases) {
    Result<DossierCode> r = ParseDossierCode(c.code);
    ASSERT_FALSE(r.ok()) << c.code;
    EXPECT_TRUE(r.status().IsInvalidArgument()) << c.code;
    EXPECT_NE(r.status().message().find(c.says), std::string::npos)
        << c.code << " -> " << r.status().message();
    EXPECT_EQ(r.status().field(), "dossier_code");
  }
}

TEST(UnitCodeTest, AcceptsDottedDigitAndProvinceSegments) {
  EXPECT_TRUE(ValidateUnitCode("000.00.17.H29").ok());
  EXPECT_TRUE(ValidateUnitCode("H29").ok());
  EXPECT_TRUE(ValidateUnitCode("G01.123").ok());
}

TEST(UnitCodeTest, RejectsDashBecauseItSeparatesCodeParts) {
  Status s = ValidateUnitCode("000-00.H29");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("'-'"), std::string::npos);
  EXPECT_EQ(s.field(), "unit_code");
}

TEST(UnitCodeTest, RejectsBadLengthsDotsAndCharacters) {
  EXPECT_FALSE(ValidateUnitCode("").ok());
  EXPECT_FALSE(ValidateUnitCode("AB").ok());
  EXPECT_FALSE(ValidateUnitCode(std::string(33, '1')).ok());
  EXPECT_TRUE(ValidateUnitCode(std::string(32, '1')).ok());
  EXPECT_FALSE(ValidateUnitCode(".000.H29").ok());
  EXPECT_FALSE(ValidateUnitCode("000.H29.").ok());
  EXPECT_FALSE(ValidateUnitCode("000 H29").ok());
  EXPECT_FALSE(ValidateUnitCode("000.H2_9").ok());
  EXPECT_FALSE(ValidateUnitCode("000.hcm").ok());
  EXPECT_FALSE(ValidateUnitCode("000.\xC4\x90N").ok());  // "ĐN"
}

TEST(DossierCodeTest, FormatRejectsBadUnitCode) {
  Result<std::string> code = FormatDossierCode("000-H29", kMar12, 1);
  EXPECT_TRUE(code.status().IsInvalidArgument());
  EXPECT_EQ(code.status().field(), "unit_code");
}

// ---- Lookup secrets ------------------------------------------------------------

TEST(LookupSecretTest, NewSecretHasEightCharactersFromTheUnambiguousAlphabet) {
  for (int i = 0; i < 200; ++i) {
    const std::string s = NewLookupSecret();
    ASSERT_EQ(s.size(), kLookupSecretLength);
    for (char c : s) {
      EXPECT_NE(kLookupSecretAlphabet.find(c), std::string_view::npos) << s;
      EXPECT_TRUE(c != '0' && c != 'O' && c != '1' && c != 'I' && c != 'L') << s;
    }
  }
}

TEST(LookupSecretTest, NewSecretsDifferAndUseTheWholeAlphabet) {
  std::set<std::string> seen;
  std::set<char> chars;
  for (int i = 0; i < 500; ++i) {
    const std::string s = NewLookupSecret();
    seen.insert(s);
    chars.insert(s.begin(), s.end());
  }
  EXPECT_EQ(seen.size(), 500u);
  EXPECT_EQ(chars.size(), kLookupSecretAlphabet.size());
}

TEST(LookupSecretTest, FormatGroupsInTwoHalves) {
  EXPECT_EQ(FormatLookupSecret("ABCDEFGH"), "ABCD-EFGH");
}

TEST(LookupSecretTest, NormaliseAcceptsLowerCaseSpacesAndDashes) {
  Result<std::string> n = NormaliseLookupSecret(" abcd-efgh ");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, "ABCDEFGH");
  EXPECT_EQ(*NormaliseLookupSecret("a b c d e f g h"), "ABCDEFGH");
  EXPECT_EQ(*NormaliseLookupSecret(FormatLookupSecret("23456789")), "23456789");
}

TEST(LookupSecretTest, NormaliseRejectsAmbiguousCharactersInsteadOfGuessing) {
  for (const char* typed : {"ABCD-EFG0", "ABCD-EFGO", "ABCD-EFG1", "ABCD-EFGI", "abcd-efgl"}) {
    Result<std::string> n = NormaliseLookupSecret(typed);
    ASSERT_FALSE(n.ok()) << typed;
    EXPECT_NE(n.status().message().find("never used"), std::string::npos) << typed;
    EXPECT_EQ(n.status().field(), "lookup_secret");
  }
}

TEST(LookupSecretTest, NormaliseRejectsWrongLengthAndForeignCharacters) {
  EXPECT_FALSE(NormaliseLookupSecret("ABCDEFG").ok());
  EXPECT_FALSE(NormaliseLookupSecret("ABCDEFGHJ").ok());
  EXPECT_FALSE(NormaliseLookupSecret("").ok());
  EXPECT_FALSE(NormaliseLookupSecret("ABCD_EFGH").ok());
  EXPECT_FALSE(NormaliseLookupSecret("ABCD\xC4\x90"
                                     "EFG")
                   .ok());
}

TEST(LookupSecretTest, EqualsIgnoresTypingDifferences) {
  EXPECT_TRUE(LookupSecretEquals("ABCDEFGH", "abcd-efgh"));
  EXPECT_TRUE(LookupSecretEquals("ABCD EFGH", "ABCD-EFGH"));
}

TEST(LookupSecretTest, EqualsIsFalseForDifferentOrInvalidSecrets) {
  EXPECT_FALSE(LookupSecretEquals("ABCDEFGH", "ABCDEFGJ"));
  EXPECT_FALSE(LookupSecretEquals("JBCDEFGH", "ABCDEFGH"));
  EXPECT_FALSE(LookupSecretEquals("ABCDEFGH", "ABCDEFG"));
  EXPECT_FALSE(LookupSecretEquals("ABCDEFG0", "ABCDEFG0"));
  EXPECT_FALSE(LookupSecretEquals("", ""));
}

// ---- Event ids -----------------------------------------------------------------

TEST(EventIdTest, NewEventIdIsLowerCaseUuidVersion4) {
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewEventId();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_TRUE(IsValidEventId(id)) << id;
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
  }
}

TEST(EventIdTest, NewEventIdsAreUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(NewEventId());
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(EventIdTest, IsValidEventIdRejectsOtherShapes) {
  EXPECT_TRUE(IsValidEventId("123e4567-e89b-42d3-a456-426614174000"));
  EXPECT_FALSE(IsValidEventId("123E4567-E89B-42D3-A456-426614174000"));
  EXPECT_FALSE(IsValidEventId("123e4567e89b42d3a456426614174000"));
  EXPECT_FALSE(IsValidEventId("123e4567-e89b-42d3-a456-42661417400"));
  EXPECT_FALSE(IsValidEventId("123e4567-e89b-42d3-a456_426614174000"));
  EXPECT_FALSE(IsValidEventId("123e4567-e89b-42d3-a456-42661417400g"));
  EXPECT_FALSE(IsValidEventId(""));
}

// ---- Waybills ------------------------------------------------------------------

const WaybillBlock kBlock{"blk-7", "EE", 12345670, 12345689};

TEST(WaybillTest, S10CheckDigitMatchesUpuExamples) {
  EXPECT_EQ(S10CheckDigit(47312482), 9);  // RA473124829GB
  EXPECT_EQ(S10CheckDigit(12345678), 5);  // EE123456785VN
}

TEST(WaybillTest, S10CheckDigitMapsTenToZeroAndElevenToFive) {
  // Sum 0 -> 11 - 0 = 11 -> 5.
  EXPECT_EQ(S10CheckDigit(0), 5);
  // 00000001: sum 7 -> 11 - 7 = 4.
  EXPECT_EQ(S10CheckDigit(1), 4);
  // 00000010: sum 9 -> 2; 00000030: sum 27 -> 27 % 11 = 5 -> 6.
  EXPECT_EQ(S10CheckDigit(10), 2);
  EXPECT_EQ(S10CheckDigit(30), 6);
  // 00000002: sum 14 -> 14 % 11 = 3 -> 8; 00000050: 45 % 11 = 1 -> 10 -> 0.
  EXPECT_EQ(S10CheckDigit(2), 8);
  EXPECT_EQ(S10CheckDigit(50), 0);
}

TEST(WaybillTest, FormatWritesPrefixSerialCheckDigitAndVn) {
  Result<std::string> w = FormatWaybill(kBlock, 12345678);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(*w, "EE123456785VN");
  EXPECT_TRUE(ValidateWaybill(*w).ok());
}

TEST(WaybillTest, FormatPadsSmallSerialsToEightDigits) {
  const WaybillBlock block{"b1", "HS", 1, 100};
  Result<std::string> w = FormatWaybill(block, 1);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, "HS000000014VN");
  EXPECT_TRUE(ValidateWaybill(*w).ok());
}

TEST(WaybillTest, FormatRefusesSerialsOutsideTheBlock) {
  EXPECT_TRUE(FormatWaybill(kBlock, 12345669).status().IsInvalidArgument());
  EXPECT_TRUE(FormatWaybill(kBlock, 12345690).status().IsInvalidArgument());
  EXPECT_TRUE(FormatWaybill(kBlock, 12345670).ok());
  EXPECT_TRUE(FormatWaybill(kBlock, 12345689).ok());
}

TEST(WaybillTest, MalformedBlocksAreRefusedNamingTheField) {
  EXPECT_EQ(ValidateWaybillBlock({"", "EE", 1, 2}).field(), "block_id");
  EXPECT_EQ(ValidateWaybillBlock({"b", "E", 1, 2}).field(), "prefix");
  EXPECT_EQ(ValidateWaybillBlock({"b", "ee", 1, 2}).field(), "prefix");
  EXPECT_EQ(ValidateWaybillBlock({"b", "EE", 5, 4}).field(), "first");
  EXPECT_EQ(ValidateWaybillBlock({"b", "EE", -1, 4}).field(), "first");
  EXPECT_EQ(ValidateWaybillBlock({"b", "EE", 1, 100000000}).field(), "first");
  EXPECT_TRUE(ValidateWaybillBlock({"b", "EE", 0, kMaxWaybillSerial}).ok());
}

TEST(WaybillTest, ValidateCatchesAnyWrongCheckDigit) {
  const std::string good = *FormatWaybill(kBlock, 12345678);
  for (char d = '0'; d <= '9'; ++d) {
    std::string typo = good;
    typo[10] = d;
    EXPECT_EQ(ValidateWaybill(typo).ok(), d == good[10]) << typo;
  }
}

TEST(WaybillTest, ValidateCatchesMistypedSerialDigits) {
  // EE123456785VN with one serial digit changed or two neighbours swapped.
  for (const char* typo : {"EE123456795VN", "EE023456785VN", "EE123455785VN", "EE213456785VN",
                           "EE124356785VN", "EE123456875VN"}) {
    EXPECT_FALSE(ValidateWaybill(typo).ok()) << typo;
  }
}

TEST(WaybillTest, ValidateRejectsWrongShape) {
  EXPECT_FALSE(ValidateWaybill("EE123456785").ok());
  EXPECT_FALSE(ValidateWaybill("EE123456785GB").ok());
  EXPECT_FALSE(ValidateWaybill("ee123456785VN").ok());
  EXPECT_FALSE(ValidateWaybill("E1123456785VN").ok());
  EXPECT_FALSE(ValidateWaybill("EE12345678XVN").ok());
  EXPECT_FALSE(ValidateWaybill("EE123456784VN").ok());
  EXPECT_EQ(ValidateWaybill("EE123456784VN").field(), "waybill");
}

TEST(WaybillTest, NextInBlockHandsOutSerialsUntilTheBlockIsUsedUp) {
  const WaybillBlock block{"b9", "HS", 10, 12};
  EXPECT_EQ(*NextInBlock(block, 10), 10);
  EXPECT_EQ(*NextInBlock(block, 12), 12);
  Result<int64_t> over = NextInBlock(block, 13);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), Status::Code::kResourceExhausted);
  EXPECT_NE(over.status().message().find("b9"), std::string::npos);
  EXPECT_TRUE(NextInBlock(block, 9).status().IsInvalidArgument());
}

}  // namespace
}  // namespace hoso
