// `hoso-central shipment ...`: the postal shipments on the command line
// (list, show, assign, create-pending), for operators without the dispatch
// page. Changes are events of the central's chain with an audit row whose
// actor is "cli:<os user>" (central/shipments.h).
//
// Thread-safety: one command per process; not for concurrent use.
#ifndef HOSO_CENTRAL_SHIPMENT_CMD_H_
#define HOSO_CENTRAL_SHIPMENT_CMD_H_

#include "tools/cli.h"

namespace hoso::central {

// The usage text of `hoso-central shipment --help`.
extern const char kShipmentUsage[];

// Runs `hoso-central shipment <sub> ...`; returns the exit code.
int CmdShipment(const cli::Args& args);

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_SHIPMENT_CMD_H_
