// A small self-contained SVG line/marker plot: axes with ticks and units, optional log axes, an optional
// right-hand axis, and a legend. Enough for the lab's figures; no plotting service.
#pragma once

#include <string>
#include <vector>

namespace cyclerd::ctl::svg {

struct Series {
  Series() = default;
  explicit Series(std::string name_, std::vector<double> x_ = {}, std::vector<double> y_ = {},
                  bool markers_ = false, bool right_axis_ = false)
      : name(std::move(name_)), x(std::move(x_)), y(std::move(y_)), markers(markers_), right_axis(right_axis_) {}

  std::string name;               // legend entry; empty: not in the legend
  std::vector<double> x, y;       // NaN breaks the line
  bool markers = false;           // circles instead of a line
  bool right_axis = false;        // plotted against the right-hand axis
  std::string colour;             // empty: the next of the palette
  bool dashed = false;
};

struct Axis {
  std::string label;              // with its unit, e.g. "Capacity (mAh/g)"
  bool log = false;
  bool equal_to_x = false;        // same scale as x (Nyquist plots)
};

class Figure {
 public:
  Figure(std::string title, Axis x, Axis y) : title_(std::move(title)), x_(std::move(x)), y_(std::move(y)) {}
  void set_right_axis(Axis y2) { y2_ = std::move(y2), has_y2_ = true; }
  void add(Series s) { series_.push_back(std::move(s)); }
  // The whole SVG document (width x height pixels).
  std::string render(int width = 800, int height = 520) const;

 private:
  std::string title_;
  Axis x_, y_, y2_;
  bool has_y2_ = false;
  std::vector<Series> series_;
};

// Writes text to a file; throws cyclerd::Error naming the file when it cannot.
void write_file(const std::string& path, const std::string& text);

}  // namespace cyclerd::ctl::svg
