//! Files and directories only their owner can read — directories 0700, files 0600, whatever
//! the umask — and whether a directory can be written at all.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and its missing parents, readable by the owner only (an existing
/// directory is left as it is).
pub fn create_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)?;
    // The umask may have taken owner bits away.
    #[cfg(unix)]
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(DIR_MODE))?;
    Ok(())
}

/// Takes every permission beyond `mode` away from `path`; never adds one (a directory its
/// owner made read-only stays so). A no-op when it is that strict already or is missing.
pub fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let current = meta.permissions().mode() & 0o7777;
        if meta.file_type().is_symlink() || current & !mode == 0 {
            return Ok(());
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(current & mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Opens `path` for appending, creating it 0600 (an existing file is made 0600 too).
pub fn open_append(path: &Path) -> io::Result<File> {
    let file = options().append(true).create(true).open(path)?;
    restrict(path, FILE_MODE)?;
    Ok(file)
}

/// Opens `path` for reading and writing, creating it 0600 (an existing file is made 0600).
pub fn open_rw(path: &Path) -> io::Result<File> {
    let file = options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    restrict(path, FILE_MODE)?;
    Ok(file)
}

/// Writes `text` to `path` (replacing it), readable by the owner only.
pub fn write(path: &Path, text: &str) -> io::Result<()> {
    let mut file = options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    restrict(path, FILE_MODE)?;
    file.write_all(text.as_bytes())
}

/// A SQLite database file 0600 before SQLite opens it: its `-wal` and `-shm` files take the
/// database file's mode when SQLite creates them. Existing ones are made 0600 as well.
pub fn prepare_database(path: &Path) -> io::Result<()> {
    drop(open_rw(path)?);
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        restrict(Path::new(&side), FILE_MODE)?;
    }
    Ok(())
}

/// Whether files can be created in `dir`: false on a read-only file system, a directory
/// without write permission, or an immutable one. Other failures (a full disk) count as
/// writable, so that the operation itself reports them.
pub fn dir_is_writable(dir: &Path) -> bool {
    match tempfile::tempfile_in(dir) {
        Ok(_) => true,
        Err(e) => !is_read_only_error(&e),
    }
}

/// Whether an I/O error means "this cannot be written here" (permissions, a read-only file
/// system, an immutable file).
pub fn is_read_only_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
    )
}

fn options() -> std::fs::OpenOptions {
    #[allow(unused_mut)]
    let mut o = std::fs::OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, FILE_MODE);
    o
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn files_and_dirs_are_private_whatever_they_were() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        create_dir(&sub).unwrap();
        assert_eq!(mode(&sub), 0o700);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        let f = sub.join("f");
        std::fs::write(&f, "x").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&f, "y").unwrap();
        assert_eq!(mode(&f), 0o600);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o444)).unwrap();
        restrict(&f, FILE_MODE).unwrap();
        assert_eq!(mode(&f), 0o400, "never adds a permission");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "y");
        let log = sub.join("log");
        open_append(&log).unwrap();
        assert_eq!(mode(&log), 0o600);
        assert!(dir_is_writable(&sub));
    }
}
