// `export` and `backup`: a run's samples out of a database file, and a copy of a live database, offline.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "schema/backup.hpp"
#include "schema/export_samples.hpp"
#include "schema/reader.hpp"
#include "tools/cyclerctl/commands.hpp"

namespace cyclerd::ctl {

void add_storage_commands(CLI::App& app, Action& action) {
  struct ExportArgs {
    std::string db, format = "csv", out;
    std::int64_t run = 0;
  };
  auto ex = std::make_shared<ExportArgs>();
  auto* export_cmd = app.add_subcommand("export", "export a run's samples from a database file, or from the daemon without --db (csv, bdf, json)");
  export_cmd->fallthrough();
  export_cmd->add_option("--db", ex->db, "the cyclerd database file (without it: ask the daemon)");
  export_cmd->add_option("run,--run", ex->run, "the run id")->required();
  export_cmd->add_option("--format", ex->format, "csv, bdf (Battery Data Format) or json")
      ->check(CLI::IsMember({"csv", "bdf", "json"}));
  export_cmd->add_option("-o,--output", ex->out, "write here instead of standard output");
  export_cmd->callback([ex, &action] {
    action = [ex] {
      if (ex->db.empty()) return daemon_export_hook()(ex->run, ex->format, ex->out);
      store::Reader reader(ex->db);
      const auto format = store::parse_export_format(ex->format);
      if (ex->out.empty()) {
        store::export_run(reader, ex->run, format, std::cout);
        return kExitDone;
      }
      std::ofstream file(ex->out, std::ios::binary);
      if (!file) throw Error(ErrorCode::invalid_input, "cannot write the export file", ex->out);
      store::export_run(reader, ex->run, format, file);
      file.close();
      if (!file) throw Error(ErrorCode::storage_error, "writing the export failed", ex->out);
      return kExitDone;
    };
  });

  struct BackupArgs {
    std::string db, out;
  };
  auto bk = std::make_shared<BackupArgs>();
  auto* backup_cmd = app.add_subcommand("backup", "copy a database, even while cyclerd records into it");
  backup_cmd->add_option("--db", bk->db, "the cyclerd database file")->required();
  backup_cmd->add_option("out", bk->out, "the copy to write (replaced if it exists)")->required();
  backup_cmd->callback([bk, &action] {
    action = [bk] {
      store::backup_database(bk->db, bk->out);
      std::cerr << "backup: " << bk->db << " -> " << bk->out << " (integrity ok)\n";
      return kExitDone;
    };
  });
}

}  // namespace cyclerd::ctl
