//! `cargo xtask man [DIR]`: the `mis` man pages (`mis.1`, `mis-<command>.1`), from the same
//! clap definition the binary parses, so they cannot drift from `--help`.

use std::path::Path;

/// Writes `mis.1` and one page per subcommand into `dir` (created if missing).
pub fn run(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // The registry's command: `--provider`'s values and the environment section included.
    let cmd = mis_cli::Registry::builtin().command();
    write(dir, "mis", cmd.clone())?;
    for sub in cmd.get_subcommands() {
        let name = format!("mis-{}", sub.get_name());
        write(dir, &name, sub.clone())?;
    }
    Ok(())
}

fn write(dir: &Path, name: &str, cmd: clap::Command) -> Result<(), String> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .title(name)
        .render(&mut page)
        .map_err(|e| format!("{name}: {e}"))?;
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, page).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn pages_for_mis_and_every_command() {
        let dir = std::env::temp_dir().join(format!("mis-man-{}", std::process::id()));
        super::run(&dir).unwrap();
        let main = std::fs::read_to_string(dir.join("mis.1")).unwrap();
        assert!(main.contains(".TH mis"), "{main}");
        assert!(main.contains("attendance\\-summary"), "{main}");
        assert!(dir.join("mis-sync.1").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
