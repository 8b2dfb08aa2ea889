"""Sources to graph records: readers, curated knowledge, alias matching, NER and the load pipeline."""
