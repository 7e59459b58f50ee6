// Online backup of a live database with SQLite's backup API: recording goes on while it copies.
#pragma once

#include <string>

namespace cyclerd::store {

// Copies the database at `source` to `destination` (replaced if it exists) from one consistent snapshot,
// then checks the copy's integrity; throws storage_error naming the file that failed.
void backup_database(const std::string& source, const std::string& destination);

}  // namespace cyclerd::store
