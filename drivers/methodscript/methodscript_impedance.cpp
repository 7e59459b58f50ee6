// The methodscript driver's impedance spectrum: one script that measures the open-circuit potential,
// then the spectrum around it, read package by package until the script ends.
#include <cmath>

#include <spdlog/spdlog.h>

#include "drivers/methodscript/methodscript_driver.hpp"
#include "drivers/methodscript/package.hpp"
#include "drivers/transport/line_framer.hpp"

namespace cyclerd {

namespace ms = methodscript;
using std::chrono::milliseconds;

void MethodscriptDriver::async_measure_impedance(std::size_t channel, const EisParams& params, SpectrumHandler handler) {
  std::optional<Error> error = check(channel);
  if (!error) error = check_eis(params);
  ms::Script script;
  if (!error) {
    try {
      script = ms::impedance_script(params, *model_);
    } catch (const Error& e) {
      error = e;
    }
  }
  if (error) return completions_.post([handler = std::move(handler), e = *error] { handler(e, {}); });
  stop_script([this, script, handler = std::move(handler)](std::optional<Error> e) {
    if (e) return handler(e, {});
    start_script(script, [this, handler](std::optional<Error> started) {
      if (started) return handler(started, {});
      read_spectrum({}, handler);
    });
  });
}

void MethodscriptDriver::read_spectrum(std::vector<ImpedancePoint> points, SpectrumHandler handler) {
  // The lowest frequencies take several of their periods each; the timeout covers the slowest point.
  transport_->async_read(
      Reply::line().within(sample_wait() + milliseconds(speed_ ? static_cast<long long>(1e5 / *speed_) : 0)),
      [this, points = std::move(points), handler = std::move(handler)](std::optional<Error> e,
                                                                       std::vector<std::string> lines) mutable {
        if (e) return handler(Error(e->code(), "impedance measurement: " + std::string(e->message()), where_), {});
        ms::DeviceError error;
        switch (ms::classify(lines[0], &error)) {
          case ms::LineKind::script_end: return handler(std::nullopt, std::move(points));
          case ms::LineKind::error: return handler(script_error(error), {});
          case ms::LineKind::package: {
            try {
              ms::Package p = ms::parse_package(lines[0]);
              const auto *f = p.find("dc"), *re = p.find("cc"), *im = p.find("cd");
              if (!f || !re || !im || !(f->value > 0) || !std::isfinite(re->value) || !std::isfinite(im->value)) {
                throw Error(ErrorCode::instrument_fault, "impedance package \"" + printable(lines[0]) + "\" is incomplete");
              }
              points.push_back({f->value, {re->value, im->value}});
            } catch (const Error& bad) {
              log_->warn("{}: skipped an impedance point: {}", where_, bad.message());
            }
            break;
          }
          default: break;
        }
        read_spectrum(std::move(points), std::move(handler));
      });
}

}  // namespace cyclerd
