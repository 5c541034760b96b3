"""One module per scaling target kind (pure): how its API describes capacity, and the calls that change it."""
