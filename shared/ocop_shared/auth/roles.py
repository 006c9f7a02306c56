"""The roles of the permission matrix.

A role is never read from a token: a service works out a caller's roles from the records it
keeps (grants the office recorded, council seats, a showroom's API key). Every signed-in
person is at least a producer (they may register an entity and act for it).
"""

from enum import StrEnum


class Role(StrEnum):
    PUBLIC = "public"  # nobody signed in
    ENTITY_USER = "producer"  # any signed-in person: acts for the entities they registered or joined
    COMMUNE_OFFICER = "commune_officer"
    PROVINCE_OFFICE = "province_office"
    COUNCIL_MEMBER = "council_member"
    COUNCIL_CHAIR = "council_chair"
    INSPECTOR = "inspector"
    SHOWROOM_OPERATOR = "showroom_operator"
    POS_CLIENT = "pos_client"  # a till, by its showroom's API key


# Roles the office grants (recorded by the registry, known to every service).
GRANTED_ROLES = (Role.PROVINCE_OFFICE, Role.COMMUNE_OFFICER, Role.INSPECTOR, Role.SHOWROOM_OPERATOR)
