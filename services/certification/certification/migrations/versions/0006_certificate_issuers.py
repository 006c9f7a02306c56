"""the body that issued each certificate and revocation case (issue 22: authorities as data)

Rows from before keep NULL: they name 26/2026's issuers by stars, as they were printed. The
province has no default any more: it is the configured province's (OCOP_PROVINCE_CODE).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ('certificates', 'revocation_cases'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('issuer_id', sa.String(length=40), nullable=True))
            batch_op.add_column(sa.Column('district', sa.String(length=100), nullable=True))
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.alter_column('province', existing_type=sa.String(length=100), server_default=None,
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.alter_column('province', existing_type=sa.String(length=100),
                              server_default=sa.text("'An Giang'"), existing_nullable=False)
    for table in ('revocation_cases', 'certificates'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('district')
            batch_op.drop_column('issuer_id')
