// Where an instrument is and how its link is set up, parsed from a driver's URI and options.
//
//   serial:///dev/ttyUSB0?baud=57600&bits=8&parity=none&stop=1&flow=none
//   tcp://192.168.1.50:5025
//
// The transport keys (below) are consumed from the driver's DriverSettings, so the driver's own keys
// live beside them and DriverSettings::finish() still rejects a key nobody knows.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "drivers/uri.hpp"

namespace cyclerd {

enum class SerialParity { none, odd, even };
enum class SerialFlow { none, xonxoff, rtscts };

// The address of an instrument: a serial device or a TCP host and port.
struct Endpoint {
  enum class Kind { serial, tcp };
  Kind kind = Kind::tcp;
  std::string path;            // serial: the device, e.g. /dev/ttyUSB0
  std::string host;            // tcp
  std::uint16_t port = 0;      // tcp
  int baud = 9600;             // serial line settings
  int data_bits = 8;
  SerialParity parity = SerialParity::none;
  int stop_bits = 1;
  SerialFlow flow = SerialFlow::none;

  // "serial:///dev/ttyUSB0" or "tcp://host:5025", for logs and error locations.
  std::string describe() const;
};

// How the transport frames lines and how patient it is.
struct TransportOptions {
  std::string write_terminator = "\n";      // appended to every request line
  std::string read_terminator = "\n";       // ends every reply line
  bool strip_cr = true;                     // a '\r' left before the terminator is dropped ("\r\n" replies)
  std::chrono::milliseconds timeout{2000};  // for every exchange unless the exchange says otherwise
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds backoff_initial{200};  // first wait between reconnect attempts, then doubled
  std::chrono::milliseconds backoff_max{5000};
  int reconnect_attempts = 5;               // attempts per async_reconnect before it gives up
  std::size_t max_line_bytes = 64 * 1024;   // a longer line is a fault, not an unbounded buffer
  bool discard_unsolicited = true;          // drop input nobody asked for before each request
};

// The endpoint and options of a transport, from a driver's URI (scheme serial or tcp) and options.
struct TransportConfig {
  Endpoint endpoint;
  TransportOptions options;
};

// The scheme of `uri` if it is a transport scheme ("serial" or "tcp"); throws Error(invalid_input)
// quoting the URI otherwise. Drivers call it to build their DriverSettings.
std::string transport_scheme(std::string_view uri);

// Consumes the transport keys from `settings`: serial baud, bits, parity (none|odd|even), stop (1|2),
// flow (none|xonxoff|rtscts); for both: timeout_ms, connect_timeout_ms, reconnect_attempts,
// backoff_ms, backoff_max_ms. `defaults` supplies the driver's own defaults (terminators, timeout...).
// Throws Error(invalid_input) naming a bad key or target.
TransportConfig transport_config(DriverSettings& settings, std::string_view scheme,
                                 TransportOptions defaults = {});

}  // namespace cyclerd
