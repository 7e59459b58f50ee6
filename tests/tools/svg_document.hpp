// A strict little XML reader for the SVG figures cyclerctl writes: enough to tell a well-formed document
// (balanced tags, quoted unique attributes, known entities) and to find its axes, legend and data series.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cyclerd::test {

struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text;  // character data directly inside, entities decoded
  std::vector<XmlElement> children;

  bool has_class(const std::string& c) const;
  // Every descendant (depth first) with this element name and, if given, this class.
  std::vector<const XmlElement*> find_all(const std::string& element, const std::string& cls = "") const;
};

// Parses a whole document; nullopt with `error` (what and at which byte) if it is not well formed.
std::optional<XmlElement> parse_xml(const std::string& text, std::string& error);

// One data series of a figure: its legend name and how many points it draws (markers, or path vertices).
struct SvgSeries {
  std::string name;
  std::size_t points = 0;
};

// The series groups (`<g class="series">`) of a figure in drawing order.
std::vector<SvgSeries> svg_series(const XmlElement& svg);
// The text of the element with this class (e.g. "axis-label x"); empty if there is none.
std::string svg_text_of(const XmlElement& svg, const std::string& cls);

}  // namespace cyclerd::test
