// QR codes for printed documents, rendered as inline SVG (no image files, no
// network: a receipt page must print from a desk with no link).
//
// Symbols are encoded with libqrencode in 8-bit (byte) mode at error
// correction level M, in the smallest version that holds the text.
//
// Receipt payload. The QR on Form 01 carries ONLY the dossier code and the
// lookup secret, never personal data:
//
//   payload = "HOSO:" code ":" secret
//   code    = <unit-code> "-" YYMMDD "-" NNNN      e.g. 000.00.17.H29-260312-0007
//   secret  = the lookup secret printed on the receipt, e.g. 7KQ4-M9TX
//
// Neither part contains ':', so a reader splits on the first and last ':'.
// The central's public tracking accepts this string as scanned.
//
// Thread-safety: pure functions; safe from any thread (libqrencode guards its
// shared tables with a mutex).
#ifndef HOSO_NODE_QR_H_
#define HOSO_NODE_QR_H_

#include <string>
#include <string_view>
#include <vector>

#include "schema/status.h"

namespace hoso::node {

// Modules of empty margin around the symbol, as ISO/IEC 18004 requires.
constexpr int kQrQuietZoneModules = 4;

// "HOSO:<code>:<secret>", the text encoded on the receipt.
std::string ReceiptQrPayload(std::string_view code, std::string_view secret);

// The symbol's modules, row by row, true = dark; width x width, without the
// quiet zone. kInvalidArgument for empty text or text too long for any
// version at level M.
Result<std::vector<std::vector<bool>>> QrMatrix(std::string_view text);

// A standalone <svg> element: a white square with the quiet zone and one
// <path> of the dark modules, viewBox in modules, drawn at `module_px` CSS
// pixels per module, shape-rendering="crispEdges" so printers keep edges
// sharp. REQUIRES: module_px >= 1 (else kInvalidArgument). Errors as QrMatrix.
Result<std::string> QrSvg(std::string_view text, int module_px = 4);

}  // namespace hoso::node

#endif  // HOSO_NODE_QR_H_
