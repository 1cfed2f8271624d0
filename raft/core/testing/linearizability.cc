#include "raft/core/testing/linearizability.h"

#include <algorithm>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace curve::raft::testing {

namespace {

// One call or return event in the doubly linked history list.
struct Node {
  int op = -1;
  bool is_call = false;
  uint64_t time = 0;
  Node* match = nullptr;  // a call's return event
  Node* prev = nullptr;
  Node* next = nullptr;
};

struct CacheKey {
  std::vector<uint64_t> bits;
  std::string value;
  bool operator==(const CacheKey&) const = default;
};

struct CacheKeyHash {
  size_t operator()(const CacheKey& k) const {
    size_t h = std::hash<std::string>()(k.value);
    for (uint64_t w : k.bits) h = h * 1000003u ^ std::hash<uint64_t>()(w);
    return h;
  }
};

// Applies op to `value`; false when the op's recorded output contradicts the specification.
bool Step(const RegisterOperation& op, std::string* value) {
  bool known = op.complete != RegisterOperation::kNever;
  switch (op.call) {
    case RegisterCall::kRead:
      return !known || op.output == *value;
    case RegisterCall::kWrite:
      *value = op.arg1;
      return true;
    case RegisterCall::kCas: {
      bool matches = *value == op.arg1;
      if (known && (op.output == "ok") != matches) return false;
      if (matches) *value = op.arg2;
      return true;
    }
  }
  return false;
}

void Lift(Node* call) {
  call->prev->next = call->next;
  call->next->prev = call->prev;
  Node* ret = call->match;
  ret->prev->next = ret->next;
  if (ret->next != nullptr) ret->next->prev = ret->prev;
}

void Unlift(Node* call) {
  Node* ret = call->match;
  ret->prev->next = ret;
  if (ret->next != nullptr) ret->next->prev = ret;
  call->prev->next = call;
  call->next->prev = call;
}

}  // namespace

std::string DescribeOperation(const RegisterOperation& op) {
  std::ostringstream os;
  os << "client " << op.client << " ";
  switch (op.call) {
    case RegisterCall::kRead:
      os << "read()";
      break;
    case RegisterCall::kWrite:
      os << "write(" << op.arg1 << ")";
      break;
    case RegisterCall::kCas:
      os << "cas(" << op.arg1 << "->" << op.arg2 << ")";
      break;
  }
  if (op.complete == RegisterOperation::kNever) {
    os << " -> ? [" << op.invoke << ", never]";
  } else {
    os << " -> " << (op.output.empty() ? "\"\"" : op.output) << " [" << op.invoke << ", "
       << op.complete << "]";
  }
  return os.str();
}

LinearizabilityResult CheckRegisterLinearizable(const std::vector<RegisterOperation>& history,
                                                const std::string& initial_value,
                                                uint64_t max_states) {
  LinearizabilityResult result;
  const int n = static_cast<int>(history.size());
  std::vector<Node> nodes(2 * n + 1);
  Node* head = &nodes[2 * n];
  std::vector<Node*> events;
  for (int i = 0; i < n; ++i) {
    Node* call = &nodes[2 * i];
    Node* ret = &nodes[2 * i + 1];
    *call = Node{i, true, history[i].invoke, ret};
    *ret = Node{i, false, history[i].complete, nullptr};
    events.push_back(call);
    events.push_back(ret);
  }
  std::stable_sort(events.begin(), events.end(), [](const Node* a, const Node* b) {
    if (a->time != b->time) return a->time < b->time;
    return a->is_call && !b->is_call;  // only kNever returns tie; order among them is free
  });
  Node* prev = head;
  for (Node* e : events) {
    prev->next = e;
    e->prev = prev;
    prev = e;
  }

  // Pruning, valid when every written value is unique and differs from the initial one: once the
  // register leaves a value it can never hold it again, so no operation may move it away from a
  // value that a not yet linearized read (or successful CAS) still needs.
  std::vector<const std::string*> required(n, nullptr);
  std::unordered_map<std::string, int> needs;
  bool prune = true;
  {
    std::unordered_set<std::string> written{initial_value};
    for (const RegisterOperation& op : history) {
      const std::string* w = op.call == RegisterCall::kWrite ? &op.arg1
                             : op.call == RegisterCall::kCas ? &op.arg2
                                                             : nullptr;
      if (w != nullptr && !written.insert(*w).second) prune = false;
    }
  }
  for (int i = 0; prune && i < n; ++i) {
    const RegisterOperation& op = history[i];
    if (op.complete == RegisterOperation::kNever) continue;
    if (op.call == RegisterCall::kRead) required[i] = &op.output;
    if (op.call == RegisterCall::kCas && op.output == "ok") required[i] = &op.arg1;
    if (required[i] != nullptr) ++needs[*required[i]];
  }

  std::vector<uint64_t> linearized((n + 63) / 64, 0);
  std::unordered_set<CacheKey, CacheKeyHash> cache;
  std::vector<std::pair<Node*, std::string>> stack;
  std::string value = initial_value;
  size_t best_depth = 0;
  std::vector<int> best_order;
  Node* entry = head->next;
  while (head->next != nullptr) {
    if (cache.size() >= max_states) {
      result.decided = false;
      result.states_explored = cache.size();
      return result;
    }
    if (entry->is_call) {
      const RegisterOperation& op = history[entry->op];
      std::string next_value = value;
      bool allowed = Step(op, &next_value);
      if (allowed && prune && next_value != value) {
        int still_needed = needs[value] - (required[entry->op] != nullptr ? 1 : 0);
        allowed = still_needed == 0;
      }
      if (allowed) {
        std::vector<uint64_t> bits = linearized;
        bits[entry->op / 64] |= uint64_t{1} << (entry->op % 64);
        if (cache.insert(CacheKey{bits, next_value}).second) {
          stack.emplace_back(entry, value);
          if (required[entry->op] != nullptr) --needs[*required[entry->op]];
          value = std::move(next_value);
          linearized = std::move(bits);
          Lift(entry);
          if (stack.size() > best_depth) {
            best_depth = stack.size();
            best_order.clear();
            for (const auto& s : stack) best_order.push_back(s.first->op);
          }
          entry = head->next;
          continue;
        }
      }
      entry = entry->next;
    } else {
      // The earliest pending return: its operation must have been linearized by now.
      if (stack.empty()) {
        result.linearizable = false;
        result.states_explored = cache.size();
        std::ostringstream os;
        os << "no linearization; longest linearizable prefix (" << best_order.size() << " of " << n
           << " operations):\n";
        for (int op : best_order) os << "  " << DescribeOperation(history[op]) << "\n";
        os << "cannot place next: " << DescribeOperation(history[entry->op]);
        result.explanation = os.str();
        return result;
      }
      auto [call, old_value] = std::move(stack.back());
      stack.pop_back();
      value = std::move(old_value);
      if (required[call->op] != nullptr) ++needs[*required[call->op]];
      linearized[call->op / 64] &= ~(uint64_t{1} << (call->op % 64));
      Unlift(call);
      entry = call->next;
    }
  }
  result.linearizable = true;
  result.states_explored = cache.size();
  return result;
}

}  // namespace curve::raft::testing
