#include "tools/cyclerctl/svg/svg_figure.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.hpp"

namespace cyclerd::ctl::svg {
namespace {

constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v, bool log) {
    if (!std::isfinite(v) || (log && !(v > 0))) return;
    lo = std::min(lo, v), hi = std::max(hi, v);
  }
  bool empty() const { return !(hi >= lo); }
};

// "Nice" tick positions covering [lo, hi]: 1, 2 or 5 times a power of ten, or decades on a log axis.
std::vector<double> ticks(double& lo, double& hi, bool log) {
  std::vector<double> t;
  if (log) {
    lo = std::pow(10, std::floor(std::log10(lo))), hi = std::pow(10, std::ceil(std::log10(hi)));
    if (hi <= lo) hi = lo * 10;
    for (double d = lo; d <= hi * 1.0001; d *= 10) t.push_back(d);
    return t;
  }
  if (hi == lo) lo -= 0.5 * (std::abs(lo) + 1), hi += 0.5 * (std::abs(hi) + 1);
  const double raw = (hi - lo) / 6, mag = std::pow(10, std::floor(std::log10(raw)));
  const double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
  lo = std::floor(lo / step) * step, hi = std::ceil(hi / step) * step;
  for (double v = lo; v <= hi + 0.5 * step; v += step) t.push_back(std::abs(v) < 1e-12 * step ? 0 : v);
  return t;
}

std::string label(double v) {
  char buf[32];
  const double a = std::abs(v);
  if (a != 0 && (a < 1e-3 || a >= 1e5)) std::snprintf(buf, sizeof buf, "%.0e", v);
  else std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string o;
  // Also quotes: series names go into attributes.
  for (char c : s) {
    o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : c == '"' ? "&quot;" : std::string(1, c);
  }
  return o;
}

}  // namespace

std::string Figure::render(int width, int height) const {
  const double left = 80, right = has_y2_ ? 80 : 30, top = 40, bottom = 60;
  const double pw = width - left - right, ph = height - top - bottom;
  Range rx, ry, ry2;
  for (const auto& s : series_) {
    for (std::size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
      if (!std::isfinite(s.y[k])) continue;
      rx.add(s.x[k], x_.log);
      (s.right_axis ? ry2 : ry).add(s.y[k], (s.right_axis ? y2_ : y_).log);
    }
  }
  if (rx.empty()) rx.lo = 0, rx.hi = 1;
  if (ry.empty()) ry.lo = 0, ry.hi = 1;
  if (ry2.empty()) ry2.lo = 0, ry2.hi = 1;
  if (y_.equal_to_x) {  // one ohm is as long on both axes: widen whichever range is short
    const double span = std::max((rx.hi - rx.lo) / pw, (ry.hi - ry.lo) / ph);
    const double cx = 0.5 * (rx.lo + rx.hi), cy = 0.5 * (ry.lo + ry.hi);
    rx.lo = cx - 0.5 * span * pw, rx.hi = cx + 0.5 * span * pw, ry.lo = cy - 0.5 * span * ph, ry.hi = cy + 0.5 * span * ph;
  }
  const auto tx = ticks(rx.lo, rx.hi, x_.log), ty = ticks(ry.lo, ry.hi, y_.log), ty2 = ticks(ry2.lo, ry2.hi, y2_.log);
  auto map = [](double v, double lo, double hi, bool log, double a, double b) {
    const double f = log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
    return a + f * (b - a);
  };
  auto X = [&](double v) { return map(v, rx.lo, rx.hi, x_.log, left, left + pw); };
  auto Y = [&](double v, bool r) {
    return r ? map(v, ry2.lo, ry2.hi, y2_.log, top + ph, top) : map(v, ry.lo, ry.hi, y_.log, top + ph, top);
  };

  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"13\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text class=\"title\" x=\"" << left + pw / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">" << escape(title_) << "</text>\n";
  // Grid, ticks and tick labels.
  for (double v : tx) {
    const double x = X(v);
    o << "<line x1=\"" << x << "\" y1=\"" << top << "\" x2=\"" << x << "\" y2=\"" << top + ph << "\" stroke=\"#e5e5e5\"/>"
      << "<text x=\"" << x << "\" y=\"" << top + ph + 18 << "\" text-anchor=\"middle\">" << label(v) << "</text>\n";
  }
  for (double v : ty) {
    const double y = Y(v, false);
    o << "<line x1=\"" << left << "\" y1=\"" << y << "\" x2=\"" << left + pw << "\" y2=\"" << y << "\" stroke=\"#e5e5e5\"/>"
      << "<text x=\"" << left - 6 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">" << label(v) << "</text>\n";
  }
  if (has_y2_) {
    for (double v : ty2) {
      o << "<text x=\"" << left + pw + 6 << "\" y=\"" << Y(v, true) + 4 << "\">" << label(v) << "</text>\n";
    }
    o << "<text class=\"axis-label y2\" transform=\"translate(" << width - 18 << "," << top + ph / 2
      << ") rotate(90)\" text-anchor=\"middle\">" << escape(y2_.label) << "</text>\n";
  }
  o << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
    << "\" fill=\"none\" stroke=\"black\"/>\n"
    << "<text class=\"axis-label x\" x=\"" << left + pw / 2 << "\" y=\"" << height - 16 << "\" text-anchor=\"middle\">"
    << escape(x_.label) << "</text>\n"
    << "<text class=\"axis-label y\" transform=\"translate(20," << top + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
    << escape(y_.label) << "</text>\n";
  // Data, clipped to the plot area.
  o << "<clipPath id=\"area\"><rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
    << "\"/></clipPath>\n<g clip-path=\"url(#area)\">\n";
  std::size_t colour = 0;
  std::vector<std::pair<std::string, const Series*>> legend;
  for (const auto& s : series_) {
    const std::string c = s.colour.empty() ? kPalette[colour++ % std::size(kPalette)] : s.colour;
    const auto& ya = s.right_axis ? y2_ : y_;
    // One group per series, named: figures stay editable (and checkable) series by series.
    o << "<g class=\"series\" data-name=\"" << escape(s.name) << "\">";
    if (s.markers) {
      for (std::size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
        if (!std::isfinite(s.y[k]) || (x_.log && !(s.x[k] > 0)) || (ya.log && !(s.y[k] > 0))) continue;
        o << "<circle cx=\"" << X(s.x[k]) << "\" cy=\"" << Y(s.y[k], s.right_axis) << "\" r=\"3\" fill=\"" << c << "\"/>";
      }
    } else {
      std::string d;
      bool pen = false;
      for (std::size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
        if (!std::isfinite(s.y[k]) || !std::isfinite(s.x[k]) || (x_.log && !(s.x[k] > 0)) || (ya.log && !(s.y[k] > 0))) {
          pen = false;
          continue;
        }
        char buf[64];
        std::snprintf(buf, sizeof buf, "%c%.2f %.2f ", pen ? 'L' : 'M', X(s.x[k]), Y(s.y[k], s.right_axis));
        d += buf;
        pen = true;
      }
      o << "<path d=\"" << d << "\" fill=\"none\" stroke=\"" << c << "\" stroke-width=\"1.6\""
        << (s.dashed ? " stroke-dasharray=\"6 4\"" : "") << "/>";
    }
    o << "</g>\n";
    if (!s.name.empty()) legend.emplace_back(c, &s);
  }
  o << "</g>\n";
  for (std::size_t k = 0; k < legend.size(); ++k) {
    const double y = top + 16 + 18 * static_cast<double>(k), x = left + pw - 250;
    const auto* s = legend[k].second;
    o << "<g class=\"legend-entry\"><rect x=\"" << x - 6 << "\" y=\"" << y - 12
      << "\" width=\"252\" height=\"18\" fill=\"white\" fill-opacity=\"0.8\"/>";
    if (s->markers) o << "<circle cx=\"" << x + 10 << "\" cy=\"" << y - 4 << "\" r=\"4\" fill=\"" << legend[k].first << "\"/>";
    else o << "<line x1=\"" << x << "\" y1=\"" << y - 4 << "\" x2=\"" << x + 20 << "\" y2=\"" << y - 4 << "\" stroke=\"" << legend[k].first
           << "\" stroke-width=\"2\"" << (s->dashed ? " stroke-dasharray=\"6 4\"" : "") << "/>";
    o << "<text x=\"" << x + 28 << "\" y=\"" << y << "\">" << escape(s->name) << "</text></g>\n";
  }
  o << "</svg>\n";
  return o.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  if (!out || !(out << text)) throw Error(ErrorCode::invalid_input, "cannot write the file", path);
}

}  // namespace cyclerd::ctl::svg
