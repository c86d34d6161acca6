//! Helm release record tests.
