"""recognition decisions and the results awaiting them (issue 22: the decision is its own step)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'results_awaiting_decision',
        sa.Column('evaluation_id', sa.String(length=36), nullable=False),
        sa.Column('round_id', sa.String(length=60), nullable=False),
        sa.Column('product_id', sa.String(length=36), nullable=False),
        sa.Column('stars', sa.Integer(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decision_id', sa.String(length=36), nullable=True),
        sa.Column('flow_correlation_id', sa.String(length=100), nullable=True),
        sa.Column('flow_causation_id', sa.String(length=100), nullable=True),
        sa.Column('flow_traceparent', sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint('evaluation_id'))
    op.create_index('ix_results_awaiting_decision_round_id', 'results_awaiting_decision', ['round_id'])
    op.create_index('ix_results_awaiting_decision_decision_id', 'results_awaiting_decision', ['decision_id'])
    op.create_table(
        'recognition_decisions',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('round_id', sa.String(length=60), nullable=False),
        sa.Column('issuer_id', sa.String(length=40), nullable=False),
        sa.Column('province', sa.String(length=100), nullable=False),
        sa.Column('district', sa.String(length=100), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('drafted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('drafted_by', sa.String(length=300), nullable=False),
        sa.Column('number', sa.String(length=100), nullable=True),
        sa.Column('signed_on', sa.Date(), nullable=True),
        sa.Column('signer_name', sa.String(length=200), nullable=True),
        sa.Column('signer_title', sa.String(length=200), nullable=True),
        sa.Column('document_sha256', sa.String(length=64), nullable=True),
        sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('certificates', sa.JSON(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_recognition_decisions_round_id', 'recognition_decisions', ['round_id'])


def downgrade() -> None:
    op.drop_index('ix_recognition_decisions_round_id', table_name='recognition_decisions')
    op.drop_table('recognition_decisions')
    op.drop_index('ix_results_awaiting_decision_decision_id', table_name='results_awaiting_decision')
    op.drop_index('ix_results_awaiting_decision_round_id', table_name='results_awaiting_decision')
    op.drop_table('results_awaiting_decision')
