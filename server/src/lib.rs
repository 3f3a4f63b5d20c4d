//! grantex-server (being written).
