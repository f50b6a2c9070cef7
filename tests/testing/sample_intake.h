// The body of POST /api/dossiers (and of `hoso-node intake --json`) for one
// complete retail-alcohol dossier (procedure 2.000620) of a person with a
// Vietnamese name, collected at the desk: what the tests that start a real
// node take in when the dossier's content does not matter.
//
// Thread-safety: a pure function.
#ifndef HOSO_TESTS_TESTING_SAMPLE_INTAKE_H_
#define HOSO_TESTS_TESTING_SAMPLE_INTAKE_H_

#include "schema/json_util.h"

namespace hoso::testing {

// `documents`: [{"id","count"}...], normally every required document of the
// procedure in the catalog the node runs with.
inline json::object SampleIntakeBody(json::array documents) {
  return json::object{
      {"procedure_id", "2.000620"},
      {"applicant", json::object{{"kind", "person"},
                                 {"full_name", "Nguyễn Văn Ánh"},
                                 {"id_number", "079203001234"},
                                 {"phone", "0903123456"},
                                 {"address", json::object{{"province", "Thành phố Hồ Chí Minh"},
                                                          {"ward", "Phường Sài Gòn"},
                                                          {"street", "12 Lê Lợi"}}}}},
      {"applicant_type", "household"},
      {"area", "urban"},
      {"documents", std::move(documents)},
      {"channel", "desk"},
      {"return", json::object{{"method", "desk"}}},
      {"clerk", "Lê Thu Hà"}};
}

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_SAMPLE_INTAKE_H_
