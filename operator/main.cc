// curve-operator: reconciles CurveCluster resources (see operator/README.md).
#include <cstdio>

#include "operator/operator_main.h"

int main(int argc, char** argv) {
  curve::op::OperatorOptions options;
  std::string error;
  if (!curve::op::ParseOperatorFlags(argc, argv, &options, &error)) {
    std::fprintf(stderr, "curve-operator: %s\n", error.c_str());
    return 2;
  }
  return curve::op::RunOperator(options);
}
