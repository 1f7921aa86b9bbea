"""The life of an issue: the state table, actions on it, intake, reception-hall visits, the whistle (吹哨/报到),
acceptance (验收), work on site (书记在现场), the issue as people see it, and the work lists."""
