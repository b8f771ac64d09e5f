# The models arrive with the programs issue.
