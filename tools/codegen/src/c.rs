pub fn files() -> Vec<(String, String)> { Vec::new() }
