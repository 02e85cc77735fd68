"""Read the catalogue of recipients and agreements from a directory of reviewed YAML files.

The catalogue is the hub's most sensitive configuration: one wrong field list or area sends
personal data where the law does not allow it. So this reader is strict and talkative. It
reports *every* problem it finds, each with the file and line of the offending YAML node and a
sentence a reviewer can act on, and it builds nothing unless the whole catalogue is sound.

``reading`` reads the files, ``yaml_nodes`` and ``records`` turn YAML nodes into values with
their lines, ``recipients`` (with ``areas``) and ``agreements`` (with ``lawfulness``) check each
section, and ``building`` runs the cross-file checks and builds the catalogue.
"""

from tellonce.adapters.catalogue_files.problems import CatalogueProblem
from tellonce.adapters.catalogue_files.reading import read_catalogue

__all__ = ["CatalogueProblem", "read_catalogue"]
