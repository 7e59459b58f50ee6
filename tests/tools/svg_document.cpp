#include "tests/tools/svg_document.hpp"

#include <cctype>
#include <sstream>

namespace cyclerd::test {
namespace {

class Parser {
 public:
  Parser(const std::string& s, std::string& error) : s_(s), error_(error) {}

  std::optional<XmlElement> document() {
    skip_space();
    if (s_.compare(pos_, 5, "<?xml") == 0) {
      const auto end = s_.find("?>", pos_);
      if (end == std::string::npos) return fail("unterminated XML declaration");
      pos_ = end + 2;
    }
    skip_space();
    auto root = element();
    if (!root) return std::nullopt;
    skip_space();
    if (pos_ != s_.size()) return fail("content after the root element");
    return root;
  }

 private:
  std::nullopt_t fail(const std::string& what) {
    if (error_.empty()) error_ = what + " at byte " + std::to_string(pos_);
    return std::nullopt;
  }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  std::string name() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '-' ||
                                s_[pos_] == '_' || s_[pos_] == ':' || s_[pos_] == '.')) {
      ++pos_;
    }
    return s_.substr(start, pos_ - start);
  }
  // Decodes the five predefined entities; anything else after '&' is an error.
  std::optional<std::string> decode(const std::string& raw) {
    std::string out;
    for (std::size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] == '<') return fail("'<' in character data");
      if (raw[k] != '&') {
        out += raw[k];
        continue;
      }
      static const std::map<std::string, char> entities = {
          {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
      const auto semi = raw.find(';', k);
      const auto it = semi == std::string::npos ? entities.end() : entities.find(raw.substr(k + 1, semi - k - 1));
      if (it == entities.end()) return fail("unknown or unterminated entity");
      out += it->second;
      k = semi;
    }
    return out;
  }

  std::optional<XmlElement> element() {
    if (pos_ >= s_.size() || s_[pos_] != '<') return fail("expected '<'");
    ++pos_;
    XmlElement e;
    e.name = name();
    if (e.name.empty()) return fail("element without a name");
    for (;;) {
      skip_space();
      if (pos_ >= s_.size()) return fail("unterminated start tag <" + e.name);
      if (s_.compare(pos_, 2, "/>") == 0) {
        pos_ += 2;
        return e;
      }
      if (s_[pos_] == '>') {
        ++pos_;
        break;
      }
      const std::string attr = name();
      if (attr.empty()) return fail("bad attribute in <" + e.name);
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != '=') return fail("attribute " + attr + " without '='");
      ++pos_;
      skip_space();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) return fail("unquoted attribute " + attr);
      const char quote = s_[pos_++];
      const auto end = s_.find(quote, pos_);
      if (end == std::string::npos) return fail("unterminated attribute " + attr);
      auto value = decode(s_.substr(pos_, end - pos_));
      if (!value) return std::nullopt;
      if (!e.attributes.emplace(attr, *value).second) return fail("duplicate attribute " + attr);
      pos_ = end + 1;
    }
    // Content: text and child elements up to the matching end tag.
    for (;;) {
      const auto lt = s_.find('<', pos_);
      if (lt == std::string::npos) return fail("missing </" + e.name + ">");
      auto text = decode(s_.substr(pos_, lt - pos_));
      if (!text) return std::nullopt;
      e.text += *text;
      pos_ = lt;
      if (s_.compare(pos_, 2, "</") == 0) {
        pos_ += 2;
        const std::string closing = name();
        skip_space();
        if (closing != e.name || pos_ >= s_.size() || s_[pos_] != '>') {
          return fail("</" + closing + "> closes <" + e.name + ">");
        }
        ++pos_;
        return e;
      }
      auto child = element();
      if (!child) return std::nullopt;
      e.children.push_back(std::move(*child));
    }
  }

  const std::string& s_;
  std::string& error_;
  std::size_t pos_ = 0;
};

void collect(const XmlElement& e, const std::string& element, const std::string& cls,
             std::vector<const XmlElement*>& out) {
  for (const auto& c : e.children) {
    if (c.name == element && (cls.empty() || c.has_class(cls))) out.push_back(&c);
    collect(c, element, cls, out);
  }
}

}  // namespace

bool XmlElement::has_class(const std::string& c) const {
  const auto it = attributes.find("class");
  if (it == attributes.end()) return false;
  // Every word of `c` among the element's classes.
  std::istringstream want(c);
  std::string w;
  while (want >> w) {
    std::istringstream have(it->second);
    std::string h;
    bool found = false;
    while (have >> h) found = found || h == w;
    if (!found) return false;
  }
  return true;
}

std::vector<const XmlElement*> XmlElement::find_all(const std::string& element, const std::string& cls) const {
  std::vector<const XmlElement*> out;
  collect(*this, element, cls, out);
  return out;
}

std::optional<XmlElement> parse_xml(const std::string& text, std::string& error) {
  error.clear();
  return Parser(text, error).document();
}

std::vector<SvgSeries> svg_series(const XmlElement& svg) {
  std::vector<SvgSeries> out;
  for (const auto* g : svg.find_all("g", "series")) {
    SvgSeries s;
    s.name = g->attributes.count("data-name") ? g->attributes.at("data-name") : "";
    for (const auto& c : g->children) {
      if (c.name == "circle") ++s.points;
      if (c.name == "path" && c.attributes.count("d")) {
        for (char ch : c.attributes.at("d")) s.points += ch == 'M' || ch == 'L';
      }
    }
    out.push_back(s);
  }
  return out;
}

std::string svg_text_of(const XmlElement& svg, const std::string& cls) {
  const auto found = svg.find_all("text", cls);
  return found.empty() ? std::string() : found.front()->text;
}

}  // namespace cyclerd::test
