"""results are recognised by a signed decision (RecognitionDecided)

Results recognised before decisions were their own step stand as recognised: each recognising
result already kept gets a row without a decision number, dated the day it was scored.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    recognitions = op.create_table(
        'recognitions',
        sa.Column('evaluation_id', sa.String(length=36), nullable=False),
        sa.Column('product_id', sa.String(length=36), nullable=False),
        sa.Column('decision_number', sa.String(length=100), nullable=False),
        sa.Column('signed_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('evaluation_id'),
    )
    scores = sa.table('scores', sa.column('evaluation_id'), sa.column('product_id'),
                      sa.column('recognising', sa.Boolean), sa.column('on', sa.Date))
    earlier = sa.select(scores.c.evaluation_id, scores.c.product_id, sa.literal(''), scores.c.on
                        ).where(scores.c.recognising.is_(True))
    op.execute(recognitions.insert().from_select(
        ['evaluation_id', 'product_id', 'decision_number', 'signed_on'], earlier))


def downgrade() -> None:
    op.drop_table('recognitions')
