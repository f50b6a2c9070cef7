#include "schema/data_dir.h"

namespace hoso {

const char* CompiledDataDir() { return HOSO_DATA_DIR_PATH; }

}  // namespace hoso
