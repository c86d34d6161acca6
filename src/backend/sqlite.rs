//! SQLite helpers shared by the engine's store and the sandbox's own file: opening a database
//! read-only, also in a directory where its `-shm` file cannot be created.

use std::path::Path;

use rusqlite::{Connection, ErrorCode, OpenFlags};

/// A read-only connection to an existing database in WAL mode, also where the `-shm` file
/// cannot be created (a read-only directory).
pub fn read_only_connection(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let open = |uri: String| -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(uri, flags)?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        Ok(conn)
    };
    let uri = file_uri(path);
    match open(format!("{uri}?mode=ro")) {
        // WAL mode needs the -shm file, which a read-only directory cannot get (CANTOPEN
        // where the directory is immutable, READONLY_DIRECTORY where it lacks permission);
        // without a -wal holding changes, the main file is the whole store.
        Err(e) if shm_refused(&e) && !wal_has_frames(path) => open(format!("{uri}?immutable=1")),
        other => other,
    }
}

/// An SQLite `file:` URI for a path (`?`, `#` and `%` escaped).
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '?' | '#' | '%' => uri.push_str(&format!("%{:02X}", u32::from(c))),
            c => uri.push(c),
        }
    }
    uri
}

fn shm_refused(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly)
    )
}

/// Whether a `-wal` file beside the store holds frames (changes not yet in the main file).
fn wal_has_frames(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(Path::new(&wal)).is_ok_and(|m| m.len() > 32)
}
