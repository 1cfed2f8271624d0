#include "common/etcd/types.h"

namespace curve::etcd {

Status EtcdOptions::Load(config::ConfigSource& source, const std::string& prefix) {
  CURVE_RETURN_IF_ERROR(source.Read(prefix + ".endpoints", &endpoints));
  if (endpoints.empty()) return source.Invalid(prefix + ".endpoints", "at least one host:port");
  CURVE_RETURN_IF_ERROR(source.Read(prefix + ".requestTimeout", &retry.attempt_timeout,
                                    std::chrono::milliseconds(10), std::chrono::minutes(10)));
  CURVE_RETURN_IF_ERROR(source.Read(prefix + ".retryTimeout", &retry.total_timeout,
                                    std::chrono::milliseconds(10), std::chrono::hours(1)));
  return Status::Ok();
}

Compare Compare::Value(std::string key, Result result, std::string value) {
  Compare c;
  c.key = std::move(key);
  c.target = Target::kValue;
  c.result = result;
  c.value = std::move(value);
  return c;
}

namespace {
Compare Numeric(std::string key, Compare::Target target, Compare::Result result, int64_t n) {
  Compare c;
  c.key = std::move(key);
  c.target = target;
  c.result = result;
  c.number = n;
  return c;
}
}  // namespace

Compare Compare::ModRevision(std::string key, Result result, int64_t revision) {
  return Numeric(std::move(key), Target::kModRevision, result, revision);
}
Compare Compare::CreateRevision(std::string key, Result result, int64_t revision) {
  return Numeric(std::move(key), Target::kCreateRevision, result, revision);
}
Compare Compare::Version(std::string key, Result result, int64_t version) {
  return Numeric(std::move(key), Target::kVersion, result, version);
}
Compare Compare::Missing(std::string key) {
  return CreateRevision(std::move(key), Result::kEqual, 0);
}

Op Op::Get(std::string key) {
  Op op;
  op.type = Type::kGet;
  op.key = std::move(key);
  return op;
}
Op Op::GetPrefix(const std::string& prefix) {
  Op op = Get(prefix);
  op.range_end = PrefixEnd(prefix);
  return op;
}
Op Op::Put(std::string key, std::string value, int64_t lease) {
  Op op;
  op.type = Type::kPut;
  op.key = std::move(key);
  op.value = std::move(value);
  op.lease = lease;
  return op;
}
Op Op::Delete(std::string key) {
  Op op;
  op.type = Type::kDelete;
  op.key = std::move(key);
  return op;
}
Op Op::DeletePrefix(const std::string& prefix) {
  Op op = Delete(prefix);
  op.range_end = PrefixEnd(prefix);
  return op;
}

std::string PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

}  // namespace curve::etcd
