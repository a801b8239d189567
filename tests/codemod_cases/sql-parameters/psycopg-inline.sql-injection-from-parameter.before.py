import psycopg2


def recent_orders(conn, customer_id, limit):
    with conn.cursor() as cur:
        cur.execute(f"""
            SELECT id, total FROM orders
            WHERE customer = {customer_id} AND status LIKE 'paid%'
            ORDER BY created DESC LIMIT {limit}
        """)
        return cur.fetchall()
