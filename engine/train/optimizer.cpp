#include "engine/train/optimizer.h"

#include <cmath>
#include <map>

#include <torch/torch.h>

#include "engine/common/error.h"
#include "engine/io/torch_tensors.h"

namespace slime::train {

namespace {
// torch.nn.utils.clip_grad_norm_: clip_coef = max_norm / (total_norm + 1e-6).
constexpr double kClipEps = 1e-6;
}  // namespace

AdamW::AdamW(std::vector<TrainableParam> params, const AdamWOptions& options) : options_(options) {
  torch::NoGradGuard no_grad;
  for (TrainableParam& p : params) {
    Slot s;
    s.separate_master = p.tensor.scalar_type() != at::kFloat;
    s.master = s.separate_master ? p.tensor.detach().to(at::kFloat).clone() : p.tensor.detach();
    s.exp_avg = torch::zeros_like(s.master);
    s.exp_avg_sq = torch::zeros_like(s.master);
    s.param = std::move(p);
    slots_.push_back(std::move(s));
  }
}

int64_t AdamW::parameters() const {
  int64_t n = 0;
  for (const Slot& s : slots_) n += s.master.numel();
  return n;
}

double AdamW::gather_and_clip(double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (Slot& s : slots_) {
    at::Tensor g = s.param.tensor.grad();
    g = g.defined() ? g.to(at::kFloat) : torch::zeros_like(s.master);  // unused in every forward: zero
    s.param.tensor.mutable_grad() = at::Tensor();
    grads.push_back(g);
  }
  std::vector<at::Tensor> norms;
  for (const at::Tensor& g : grads) norms.push_back(g.norm(2));
  const double total = norms.empty() ? 0.0 : torch::stack(norms).norm(2).item<double>();
  if (max_norm > 0) {
    const double coef = max_norm / (total + kClipEps);
    if (coef < 1.0)
      for (at::Tensor& g : grads) g.mul_(coef);
  }
  for (size_t i = 0; i < slots_.size(); ++i) slots_[i].master.mutable_grad() = grads[i];
  return total;
}

void AdamW::step(double lr, double llm_lr) {
  torch::NoGradGuard no_grad;
  ++steps_;
  const double b1 = options_.beta1, b2 = options_.beta2;
  const double bc1 = 1.0 - std::pow(b1, static_cast<double>(steps_));
  const double bc2 = 1.0 - std::pow(b2, static_cast<double>(steps_));
  for (Slot& s : slots_) {
    const double rate = s.param.llm ? llm_lr : lr;
    at::Tensor g = s.master.grad();
    if (!g.defined()) g = torch::zeros_like(s.master);
    // torch.optim.AdamW (single-tensor path): decay, moments, bias-corrected step.
    s.master.mul_(1.0 - rate * options_.weight_decay);
    s.exp_avg.mul_(b1).add_(g, 1.0 - b1);
    s.exp_avg_sq.mul_(b2).addcmul_(g, g, 1.0 - b2);
    const at::Tensor denom = (s.exp_avg_sq.sqrt() / std::sqrt(bc2)).add_(options_.eps);
    s.master.addcdiv_(s.exp_avg, denom, -rate / bc1);
    s.master.mutable_grad() = at::Tensor();
    if (s.separate_master) s.param.tensor.copy_(s.master);
  }
}

std::vector<std::pair<std::string, at::Tensor>> AdamW::state() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const Slot& s : slots_) {
    if (s.separate_master) out.emplace_back("master/" + s.param.name, s.master);
    out.emplace_back("exp_avg/" + s.param.name, s.exp_avg);
    out.emplace_back("exp_avg_sq/" + s.param.name, s.exp_avg_sq);
  }
  return out;
}

void AdamW::load_state(const std::vector<std::pair<std::string, at::Tensor>>& tensors, int64_t steps) {
  torch::NoGradGuard no_grad;
  std::map<std::string, at::Tensor> by_name(tensors.begin(), tensors.end());
  auto take = [&](const std::string& name, at::Tensor& into) {
    auto it = by_name.find(name);
    if (it == by_name.end()) throw_error(ErrorCode::kFormat, "optimizer state: '{}' missing", name);
    if (it->second.sizes() != into.sizes())
      throw_error(ErrorCode::kShape, "optimizer state: '{}' is {}, expected {}", name, io::shape_str(it->second.sizes()),
                  io::shape_str(into.sizes()));
    into.copy_(it->second);
  };
  for (Slot& s : slots_) {
    if (s.separate_master) {
      take("master/" + s.param.name, s.master);
      s.param.tensor.copy_(s.master);
    }
    take("exp_avg/" + s.param.name, s.exp_avg);
    take("exp_avg_sq/" + s.param.name, s.exp_avg_sq);
  }
  steps_ = steps;
}

}  // namespace slime::train
