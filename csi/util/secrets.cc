#include "csi/util/secrets.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include <memory>

#include "proto/csi/csi.pb.h"

namespace curve::csi {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr char kStripped[] = "***stripped***";

bool IsSecret(const FieldDescriptor* field) {
  return field->options().GetExtension(::csi::v1::csi_secret) || field->name() == "secrets";
}

void Strip(Message* message) {
  const auto* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      if (IsSecret(field) && field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        if (field->is_repeated()) {
          for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
            reflection->SetRepeatedString(message, field, i, kStripped);
          }
        } else {
          reflection->SetString(message, field, kStripped);
        }
      }
      continue;
    }
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
        Message* child = reflection->MutableRepeatedMessage(message, field, i);
        if (IsSecret(field) && field->is_map()) {
          // A map entry: keep the key, hide the value.
          const FieldDescriptor* value = child->GetDescriptor()->FindFieldByName("value");
          if (value != nullptr && value->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
            child->GetReflection()->SetString(child, value, kStripped);
          }
        } else {
          Strip(child);
        }
      }
    } else {
      Strip(reflection->MutableMessage(message, field));
    }
  }
}

}  // namespace

std::string StripSecretsForLog(const Message& message) {
  std::unique_ptr<Message> copy(message.New());
  copy->CopyFrom(message);
  Strip(copy.get());
  std::string out;
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.PrintToString(*copy, &out);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace curve::csi
