#pragma once

#include <string>

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace curve::csi {

// A one-line text form of a CSI request for logs, with every field marked `csi_secret` in the
// CSI protocol (and every map named "secrets", whatever message it sits in) replaced by
// "***stripped***", at any nesting depth. Never log a request any other way.
std::string StripSecretsForLog(const google::protobuf::Message& message);

}  // namespace curve::csi
