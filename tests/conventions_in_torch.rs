//! The pytorch and cs231n conventions against torch.autograd: tests/frameworks/torch_conventions.py
//! loads each convention's `--at` point into torch.nn layers (float64) and compares ℓ and every
//! `.grad` with derive's values. It needs PyTorch, which tests/frameworks/venv.sh installs into
//! a cached virtual environment (a few GB the first time), so it runs in CI (CI set) or when
//! DERIVE_TORCH_TESTS is set; elsewhere it says it skipped.

use std::process::Command;

#[test]
fn pytorch_and_cs231n_points_give_torch_autograds_gradients() {
    let wanted =
        std::env::var_os("CI").is_some() || std::env::var_os("DERIVE_TORCH_TESTS").is_some();
    if !wanted {
        eprintln!(
            "note: the comparison with PyTorch is skipped; set DERIVE_TORCH_TESTS=1 to run it \
             (it installs torch into a cached virtual environment)"
        );
        return;
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let venv = Command::new(format!("{root}/tests/frameworks/venv.sh"))
        .output()
        .expect("tests/frameworks/venv.sh runs");
    assert!(
        venv.status.success(),
        "tests/frameworks/venv.sh failed: {}",
        String::from_utf8_lossy(&venv.stderr)
    );
    let python = String::from_utf8(venv.stdout).expect("a path");
    let status = Command::new(python.trim())
        .arg(format!("{root}/tests/frameworks/torch_conventions.py"))
        .arg(env!("CARGO_BIN_EXE_derive"))
        .status()
        .expect("the comparison runs");
    assert!(status.success(), "derive disagrees with torch.autograd");
}
