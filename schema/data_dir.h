// The directory of the catalog, calendar and tariff data files that a
// program uses when neither a flag nor $HOSO_DATA_DIR names one: the source
// tree's schema/data, fixed at configure time.
//
// It lives in one translation unit (data_dir.cc) so that the absolute path
// appears on one compiler command line only, and every other file compiles
// identically in any checkout (which keeps the compiler cache warm).
//
// Thread-safety: pure function.
#ifndef HOSO_SCHEMA_DATA_DIR_H_
#define HOSO_SCHEMA_DATA_DIR_H_

namespace hoso {

const char* CompiledDataDir();

}  // namespace hoso

#define HOSO_DATA_DIR (::hoso::CompiledDataDir())

#endif  // HOSO_SCHEMA_DATA_DIR_H_
