// curve-operator: reconciles CurveCluster resources; `curve-operator discover` reports a node's
// block devices (see operator/README.md).
#include <cstdio>
#include <string_view>

#include "operator/discover/discover_command.h"
#include "operator/operator_main.h"

int main(int argc, char** argv) {
  curve::op::LimitMallocFootprint();
  if (argc > 1 && std::string_view(argv[1]) == "discover") {
    return curve::op::RunDiscover(argc - 1, argv + 1);
  }
  curve::op::OperatorOptions options;
  std::string error;
  if (!curve::op::ParseOperatorFlags(argc, argv, &options, &error)) {
    std::fprintf(stderr, "curve-operator: %s\n", error.c_str());
    return 2;
  }
  return curve::op::RunOperator(options);
}
