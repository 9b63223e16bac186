"""Reading-list site generator: seeds -> records -> clusters -> papers -> pages."""
