#pragma once

namespace curve::op {

// `curve-operator discover`: reports this node's block devices (DiscoverDevices) in its
// curve.io/discovered-devices annotation, writing only when the report changed.
//
//   --node=<name>          the Node to annotate (default $NODE_NAME, from the downward API)
//   --kubeconfig=<path>    default $KUBECONFIG, else in-cluster
//   --sys-block=/sys/block --dev=/dev --mounts=/proc/1/mounts   where to look (DiscoveryPaths)
//   --interval=60s         look again this often until SIGTERM; 0s: once, then exit
//   --print                print the report on stdout instead of annotating the node
//
// Returns the process exit code: 0 after SIGTERM or a successful single pass, 1 when a single
// pass failed, 2 on bad flags.
int RunDiscover(int argc, char** argv);

}  // namespace curve::op
