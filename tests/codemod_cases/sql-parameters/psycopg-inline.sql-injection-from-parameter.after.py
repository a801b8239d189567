import psycopg2


def recent_orders(conn, customer_id, limit):
    with conn.cursor() as cur:
        cur.execute("""
            SELECT id, total FROM orders
            WHERE customer = %s AND status LIKE 'paid%%'
            ORDER BY created DESC LIMIT %s
        """, (customer_id, limit))
        return cur.fetchall()
